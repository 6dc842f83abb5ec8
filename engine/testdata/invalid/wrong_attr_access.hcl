host "web" {}

task "echo" "a" {
  on      = host.web
  message = self.adress
}
