package sshdtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"testing"

	"golang.org/x/crypto/ssh"
)

// Key is a generated ed25519 key pair whose private half is in a file.
type Key struct {
	// File is the path of the private key in OpenSSH format, mode 0600.
	File string
	// Signer signs with the key.
	Signer ssh.Signer
	// AuthorizedKey is the public key as an authorized_keys line.
	AuthorizedKey string
}

// NewKey generates an ed25519 key and writes it to path, encrypted with
// passphrase when it is not empty.
func NewKey(t testing.TB, path, passphrase string) Key {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return Key{File: path, Signer: signer, AuthorizedKey: string(ssh.MarshalAuthorizedKey(signer.PublicKey()))}
}
