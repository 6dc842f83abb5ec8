role "web" {
  source = "./roles/app"
  name   = "web"
  port   = 80
}
