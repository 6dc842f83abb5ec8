description = "CentOS 7: OpenSSH 7.4's ssh on both hosts, which refuses StrictHostKeyChecking=accept-new (it came in 7.6) as a bad option; step 3 and replication must check host keys without it."
hosts {
  ssh_client = "7.4"
}
