description = "The Alation shell's PostgreSQL role is not a superuser, and the Secondary's shell user may not use sudo: the run must stop."
hosts {
  shell_role = "alation"
}
secondary {
  shell_sudo_denied = true
}
