role "web" {
  source = "./roles/nowhere"
}
