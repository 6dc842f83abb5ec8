description = "cluster_enter_master_mode and cluster_add_slaves do their work but exit 1 with a warning."
primary {
  failing_actions = ["cluster_enter_master_mode", "cluster_add_slaves"]
}
