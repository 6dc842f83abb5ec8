description = "CentOS 6: no /etc/machine-id (D-Bus's alone), the mongo 2.4 shell's lag wording."
hosts {
  machine_id  = "dbus-only"
  mongo_shell = "2.4"
}
