# Habits from Ansible beyond its keywords: a handler list without
# brackets, the exit status as rc, and a loop's item as an attribute.
host "web" {}

task "shell" "user" {
  on       = host.web
  for_each = toset(["alice", "bob"])
  script   = "echo ${each.key}"
}

task "shell" "conf" {
  on          = host.web
  script      = "echo ${task.user.alice.stdout}"
  failed_when = result.rc != 0
}

task "shell" "restart" {
  on        = host.web
  script    = "true"
  on_change = task.conf
}
