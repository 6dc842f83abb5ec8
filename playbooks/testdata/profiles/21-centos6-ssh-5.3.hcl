description = "CentOS 6: OpenSSH 5.3's ssh (no accept-new: 'Bad yes/no/ask argument'), the machine id in /var/lib/dbus alone, the mongo 2.4 shell, and a key exchange script on the secondary that asks questions."
hosts {
  ssh_client  = "5.3"
  machine_id  = "dbus-only"
  mongo_shell = "2.4"
}
secondary {
  key_script_prompts = true
}
