description = "Two VMs cloned from one template: one machine id in /etc/machine-id and /var/lib/dbus/machine-id."
hosts {
  machine_id = "4f1c0b6e2a9d4e0c8b7a6d5c4b3a2910"
}
