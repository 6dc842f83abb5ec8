role "web" {
  name = "web"
}
