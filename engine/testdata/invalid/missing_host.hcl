host "web" {}

task "echo" "a" {
  message = host.wbe.address
}
