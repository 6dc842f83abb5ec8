variable "dir" {
  default = "./roles/app"
}

role "web" {
  source = var.dir
  name   = "web"
}
