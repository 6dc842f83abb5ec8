host "h1" {}

task "echo" "first" {
  message = "2"
}

task "echo" "a" {
  on      = host.h1
  message = "a"
  batch   = task.first.message
}
