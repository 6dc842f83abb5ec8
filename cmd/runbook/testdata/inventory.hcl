# An inventory file for plan.hcl: one more database host.

host "db3" {
  address = "127.0.0.5"
  groups  = ["db"]
}
