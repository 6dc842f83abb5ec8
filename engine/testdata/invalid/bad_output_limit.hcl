task "echo" "zero" {
  message      = "x"
  output_limit = 0
}

task "echo" "fraction" {
  message      = "x"
  output_limit = 1.5
}

task "echo" "size_string" {
  message      = "x"
  output_limit = "1MiB"
}
