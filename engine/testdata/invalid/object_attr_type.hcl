variable "server" {
  type    = object({ host = string, ports = list(number) })
  default = { host = "db", ports = [22, "ssh"] }
}
