role "a" {
  source = "./roles/hosts"
}

role "b" {
  source = "./roles/hosts"
}
