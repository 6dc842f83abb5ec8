description = "Neither /etc/machine-id nor /var/lib/dbus/machine-id on either host."
hosts {
  machine_id = "none"
}
