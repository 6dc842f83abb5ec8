task "echo" "first" {
  message = "web"
}

role "web" {
  source = "./roles/app"
  name   = task.first.message
}
