role "web" {
  source = "./roles/app"
  port   = 9090
}
