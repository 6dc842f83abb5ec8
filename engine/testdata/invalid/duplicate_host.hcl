host "web" {}
host "db" {}
host "web" {
  address = "10.0.0.1"
}
