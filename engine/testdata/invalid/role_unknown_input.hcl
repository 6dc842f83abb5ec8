role "web" {
  source = "./roles/app"
  name   = "web"
  prot   = 9090
}
