# Ansible's task keywords, written out of habit: each is an error whose
# hint names what a playbook writes instead.
task "shell" "conf" {
  script = "true"
}

task "shell" "restart" {
  script      = "echo ${item}"
  notify      = [task.conf]
  loop        = ["a", "b"]
  with_items  = ["a", "b"]
  become      = true
  become_user = "postgres"
  register    = "out"
  serial      = 2
}
