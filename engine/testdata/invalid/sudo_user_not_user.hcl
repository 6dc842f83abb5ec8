task "echo" "a" {
  message   = "a"
  sudo_user = "root; reboot"
}
