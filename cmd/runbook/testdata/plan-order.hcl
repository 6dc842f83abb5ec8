# One host whose tasks, in the order they run, are not in alphabetical
# order; the last asks for confirmation with a question that depends on an
# earlier task's output.

host "db" {
  address = "127.0.0.2"
}

task "command" "stop_app" {
  on   = [host.db]
  argv = ["systemctl", "stop", "app"]
}

task "command" "backup" {
  on         = [host.db]
  argv       = ["tar", "-czf", "/srv/backup.tgz", "/srv/data"]
  depends_on = [task.stop_app]
}

task "command" "check" {
  on       = [host.db]
  argv     = ["test", "-e", "/srv/data/old"]
  ok_codes = [0, 1]
}

task "command" "wipe" {
  on         = [host.db]
  confirm    = task.check.exit_code == 0 ? "Deletes /srv/data/old" : null
  argv       = ["rm", "-rf", "/srv/data/old"]
  depends_on = [task.backup]
}
