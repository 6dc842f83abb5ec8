description = "The Secondary's ~/.bashrc prints for every command, which ~/.hushlogin does not cure: the run must stop."
secondary {
  bashrc_noise = "Loading Alation environment..."
}
