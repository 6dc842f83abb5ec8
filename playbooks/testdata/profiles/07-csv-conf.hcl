description = "alation_conf prints lists bare, 10.0.0.3/32,10.0.0.4/32."
hosts {
  conf_format = "csv"
}
