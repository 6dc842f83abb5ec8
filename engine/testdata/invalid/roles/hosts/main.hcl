host "web" {}

task "echo" "x" {
  message = "x"
}
