# A playbook written with Ansible's habits: each line that runbook
# refuses says where, and what to write instead.

task "command" "check" {
  argv        = ["grep", "-q", "app", "/etc/passwd"]
  failed_when = result.rc > 1
  register    = "check"
  become      = true
}
