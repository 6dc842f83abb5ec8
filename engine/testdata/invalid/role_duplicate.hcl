role "web" {
  source = "./roles/app"
  name   = "web"
}

role "web" {
  source = "./roles/app"
  name   = "api"
}
