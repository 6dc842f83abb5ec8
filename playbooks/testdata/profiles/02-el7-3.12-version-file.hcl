description = "Alation 3.12.1 in /usr/local/alation whose version shows only in ALATION_DIR/VERSION; alation_conf prints KEY=VALUE."
hosts {
  version     = "3.12.1"
  version_in  = "file"
  conf_format = "compact"
}
