host "h1" {}

task "echo" "a" {
  on           = host.h1
  message      = "a"
  batch        = 1
  max_failures = -1
}
