description = "MongoDB requires authentication (2.6 to 4.x shell) and the run gives no credentials: the run must stop in preflight, naming mongo_user and mongo_password."
hosts {
  mongo_user     = "monitor"
  mongo_password = "sim-mongo-pw-24"
}
