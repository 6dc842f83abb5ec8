description = "mongosh's lag wording, with an arbiter in the replica set."
hosts {
  mongo_shell   = "mongosh"
  mongo_arbiter = true
}
