role "a" {
  source = "./roles/cycle_a"
}
