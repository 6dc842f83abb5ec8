description = "The Alation shell's PostgreSQL role is not a superuser (NULL state and lag in pg_stat_replication, no SHOW data_directory); the shell user has sudo, as the procedure's sudo du needs."
hosts {
  shell_role = "alation"
}
