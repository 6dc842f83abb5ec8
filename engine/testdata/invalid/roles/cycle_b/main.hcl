role "a" {
  source = "../cycle_a"
}
