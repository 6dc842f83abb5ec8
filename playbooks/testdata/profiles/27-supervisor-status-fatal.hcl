description = "alation status lists the services in supervisorctl's wording and exits 0 although the Secondary's kvstore is FATAL: the run must stop in preflight, quoting the line."
hosts {
  status_format = "supervisor"
}
secondary {
  down_services = ["kvstore"]
}
