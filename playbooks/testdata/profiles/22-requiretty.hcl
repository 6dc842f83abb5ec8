description = "CentOS 7 before 7.3: sudoers says Defaults requiretty, so sudo runs the SSH user's commands only on a terminal."
hosts {
  requiretty = true
}
