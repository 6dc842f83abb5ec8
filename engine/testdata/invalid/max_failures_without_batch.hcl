host "h1" {}

task "echo" "a" {
  on           = host.h1
  message      = "a"
  max_failures = 1
}
