description = "alation_conf prints KEY:<tab>VALUE."
hosts {
  conf_format = "colon"
}
