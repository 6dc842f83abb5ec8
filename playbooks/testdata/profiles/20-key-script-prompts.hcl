description = "CentOS 6 hosts whose key exchange script asks on standard input (a passphrase for the new key, then Enter once the key is copied; EOFError at the end of its input), with OpenSSH 5.3's ssh (no accept-new: 'Bad yes/no/ask argument'; RSA host keys alone) and sshd's RSA host keys."
hosts {
  key_script_prompts = true
  ssh_client         = "5.3"
  host_key_type      = "rsa"
}
