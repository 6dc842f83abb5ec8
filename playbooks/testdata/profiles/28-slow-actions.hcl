description = "cluster_enter_master_mode and cluster_add_slaves take 15 s each, longer than a run's --timeout may allow: the playbook's action_timeout and replicate_timeout give them their time."
primary {
  slow_actions = ["cluster_enter_master_mode", "cluster_add_slaves"]
  action_delay = "15s"
}
