description = "The Secondary's PostgreSQL and MongoDB listen only on the host itself before setup (PostgreSQL's default listen_addresses, mongod's bindIp 127.0.0.1): the run must stop in preflight, saying what to open."
secondary {
  local_only = true
}
