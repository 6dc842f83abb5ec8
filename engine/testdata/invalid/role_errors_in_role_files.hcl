role "b" {
  source = "./roles/broken"
  count  = "many"
}
