description = "A mixed pair: the secondary is CentOS 6 (OpenSSH 5.3's ssh, which knows no ed25519 host keys; an RSA host key, D-Bus's machine id, the mongo 2.4 shell), the primary CentOS 7 with an ed25519 host key, the one the control node verifies; the secondary's replication could not check it."
primary {
  ssh_client = "7.4"
}
secondary {
  ssh_client    = "5.3"
  host_key_type = "rsa"
  machine_id    = "dbus-only"
  mongo_shell   = "2.4"
}
