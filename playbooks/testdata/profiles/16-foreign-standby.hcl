description = "The Secondary is a slave whose PostgreSQL is a standby of another primary: the run must stop."
secondary {
  replication_mode = "slave"
}
