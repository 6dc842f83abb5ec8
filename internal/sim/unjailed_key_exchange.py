#!/usr/bin/env python3
"""Simulated Alation unjailed_key_exchange.

Creates the replication SSH key pair (if missing) under the Alation
directory, authorizes its public key for the SSH user on this host and
prints it, asking the operator to copy it to the peer. It copies nothing
to the peer. With PROMPTS it asks its questions on standard input, as a
script of the era may: a passphrase for a new key, and Enter once the key
is copied; at the end of its input it fails with EOFError, as input()
does.
"""
import ipaddress
import os
import pwd
import subprocess
import sys

SSH_USER = "@SSH_USER@"
PROMPTS = @PROMPTS@


def alation_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.abspath(os.path.join(here, "..", "..", "..", ".."))


def ensure_key(key):
    os.makedirs(os.path.dirname(key), mode=0o700, exist_ok=True)
    if not os.path.exists(key):
        passphrase = ""
        if PROMPTS:
            passphrase = input("Enter passphrase (empty for no passphrase): ")
        subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", passphrase,
                        "-C", "alation-replication", "-f", key], check=True)
    with open(key + ".pub") as f:
        return f.read().strip()


def authorize(pub):
    user = pwd.getpwnam(SSH_USER)
    ssh_dir = os.path.join(user.pw_dir, ".ssh")
    os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
    path = os.path.join(ssh_dir, "authorized_keys")
    content = ""
    if os.path.exists(path):
        with open(path) as f:
            content = f.read()
    if pub not in content.splitlines():
        if content and not content.endswith("\n"):
            content += "\n"
        content += pub + "\n"
        with open(path, "w") as f:
            f.write(content)
    for p, mode in ((ssh_dir, 0o700), (path, 0o600)):
        os.chown(p, user.pw_uid, user.pw_gid)
        os.chmod(p, mode)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: unjailed_key_exchange PEER_IP\n")
        return 2
    try:
        peer = str(ipaddress.ip_address(argv[1]))
    except ValueError:
        sys.stderr.write("unjailed_key_exchange: %r is not an IP address\n" % argv[1])
        return 2
    if os.geteuid() != 0:
        sys.stderr.write("unjailed_key_exchange: must run as root (use sudo)\n")
        return 1
    key = os.path.join(alation_dir(), "home", "alation", ".ssh", "replication_rsa")
    pub = ensure_key(key)
    authorize(pub)
    print("Replication public key of this host (%s.pub):" % key)
    print(pub)
    print("Copy this key to ~%s/.ssh/authorized_keys on %s." % (SSH_USER, peer))
    if PROMPTS:
        input("Press Enter once it is copied: ")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
