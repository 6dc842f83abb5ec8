host "h1" {}

role "r" {
  source = "./roles/batched"
  on     = host.h1
  batch  = 1
}
