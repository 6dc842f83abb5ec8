role "web" {
  source = "./roles/hosts"
}
