description = "Alation 4.8.0, whose HA setup differs: the run must stop."
hosts {
  version = "4.8.0"
}
