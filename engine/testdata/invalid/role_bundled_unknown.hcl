role "pair" {
  source = "bundled:no-such"
}
