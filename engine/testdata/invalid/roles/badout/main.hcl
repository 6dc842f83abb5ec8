output "port" {
  value = "eighty"
  type  = number
}
