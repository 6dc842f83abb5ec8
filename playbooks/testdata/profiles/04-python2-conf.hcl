description = "alation_conf under Python 2: u'standalone', lists [u'10.0.0.3/32'], an empty list None."
hosts {
  conf_format = "python2"
}
