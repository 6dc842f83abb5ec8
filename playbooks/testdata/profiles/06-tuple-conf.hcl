description = "alation_conf prints lists as Python tuples, (u'10.0.0.3/32',)."
hosts {
  conf_format = "tuple"
}
