locals {
  addr = host.web.address
}

host "web" {
  user = local.addr
}
