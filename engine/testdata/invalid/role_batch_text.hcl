host "h1" {}

role "r" {
  source = "./roles/app"
  name   = "x"
  on     = host.h1
  batch  = "none"
}
