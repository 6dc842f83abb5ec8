role "web" {
  source = "./roles/app"
  name   = "web"
}

task "echo" "after" {
  message = role.web.greting
}
