task "echo" "not_detachable" {
  message = "x"
  detach  = true
}

task "echo" "poll_alone" {
  message = "x"
  poll    = "10s"
}

task "echo" "detach_not_bool" {
  message = "x"
  detach  = "yes please"
}
