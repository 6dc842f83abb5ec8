description = "alation status lists the services one by one in the wording of Red Hat's /etc/init.d/functions (\"postgresql (pid N) is running...\"), and the Secondary's disk caches hold a comment and path: \"/data\" rather than the bare path."
hosts {
  status_format = "initd"
}
secondary {
  disk_cache_format = "keyvalue"
}
