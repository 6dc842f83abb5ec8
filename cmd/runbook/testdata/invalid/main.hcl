# Mistakes that validate reports with their place in the file.

task "command" "greet" {
  comd = "echo hello"
}

task "command" "shout" {
  cmd = "echo ${task.gret.stdout}"
}
