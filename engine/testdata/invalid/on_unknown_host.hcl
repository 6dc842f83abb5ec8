host "web" {}

task "echo" "a" {
  on      = ["web", "wbe"]
  message = "x"
}
