role "web" {
  source = "./roles/app"
  name   = "web"
}

task "echo" "x" {
  message = "x"
  on      = role.web.greeting
}
