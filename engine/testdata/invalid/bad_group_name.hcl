host "web" {
  groups = ["front end"]
}
