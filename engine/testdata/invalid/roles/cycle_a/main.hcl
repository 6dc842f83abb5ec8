role "b" {
  source = "../cycle_b"
}
