task "echo" "a" {
  message = "x";
}

task "echo" "b" {
  message = 'y'
}

task "echo" "c" {
  message = "z
}

task "echo" "d" {
  message = 'w'
}
