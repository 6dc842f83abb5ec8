description = "A key exchange script that asks on standard input, as scripts of the era may: a passphrase for the new key, then Enter once the key is copied; at the end of its input it fails with EOFError."
hosts {
  key_script_prompts = true
}
