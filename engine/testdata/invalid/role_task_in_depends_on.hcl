role "web" {
  source = "./roles/app"
  name   = "web"
}

task "echo" "after" {
  message    = "x"
  depends_on = [role.web.task.greet]
}
