variable "names" {
  type = lst(string)
}
