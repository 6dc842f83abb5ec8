description = "sshd sends a legal Banner before authentication on both hosts."
hosts {
  banner = "Authorized use only. All activity may be monitored and reported."
}
