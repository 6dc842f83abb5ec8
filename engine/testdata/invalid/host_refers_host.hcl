host "a" {}
host "b" {
  address = host.a.address
}
