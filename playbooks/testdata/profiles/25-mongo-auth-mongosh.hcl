description = "MongoDB requires authentication, read with mongosh, on the 3.12 layout; the run gives mongo_user and mongo_password, which reach the mongo shell on standard input."
hosts {
  version        = "3.12.1"
  mongo_shell    = "mongosh"
  mongo_user     = "monitor"
  mongo_password = "sim mongo pw 'x' \"25\""
}
vars = {
  mongo_user     = "monitor"
  mongo_password = "sim mongo pw 'x' \"25\""
}
