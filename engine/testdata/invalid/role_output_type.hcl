role "b" {
  source = "./roles/badout"
}

task "echo" "x" {
  message = "port ${role.b.port}"
}
