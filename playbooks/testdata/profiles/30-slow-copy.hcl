description = "cluster_replicate_postgres copies the data over a minute, as a large database takes hours: run in-line by cluster_add_slaves, it runs as a detached job whose log shows as it comes, the Secondary's data directory growing toward the Primary's size."
secondary {
  replicate_delay = "60s"
}
