locals {
  name = "x"
}

task "echo" "a" {
  message = local.nam
}
