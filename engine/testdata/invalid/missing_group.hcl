host "web" {
  groups = ["front"]
}

task "echo" "a" {
  on      = group.frnt
  message = "x"
}
