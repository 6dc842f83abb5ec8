host "local" {
  address = "127.0.0.1"
}
