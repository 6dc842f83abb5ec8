package sshtransport

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/ssh"
)

// encryptedKey is a passphrase-protected key whose public half is known.
// It decrypts the private half on first signature.
type encryptedKey struct {
	path          string
	data          []byte
	cfg           *Config
	pause, resume func()
	public        ssh.PublicKey
}

// PublicKey returns the public half, readable without the passphrase.
func (k *encryptedKey) PublicKey() ssh.PublicKey { return k.public }

// Sign decrypts the key and signs data.
func (k *encryptedKey) Sign(rand io.Reader, data []byte) (*ssh.Signature, error) {
	s, err := k.decrypt()
	if err != nil {
		return nil, err
	}
	return s.Sign(rand, data)
}

// SignWithAlgorithm decrypts the key and signs data with algorithm.
func (k *encryptedKey) SignWithAlgorithm(rand io.Reader, data []byte, algorithm string) (*ssh.Signature, error) {
	s, err := k.decrypt()
	if err != nil {
		return nil, err
	}
	as, ok := s.(ssh.AlgorithmSigner)
	if !ok {
		return nil, fmt.Errorf("identity file %s: key cannot sign with %s", k.path, algorithm)
	}
	return as.SignWithAlgorithm(rand, data, algorithm)
}

// decrypt returns the decrypted key, from the cache or by decrypting it
// with Config.KeyPassphrase or, failing that, Config.PassphrasePrompt.
// The handshake's timeout is paused meanwhile: asking the operator,
// waiting for another connection that decrypts the same key, and the
// key derivation itself (bcrypt, slow on purpose, and slower still on a
// busy control node) are time spent here, not by the host.
func (k *encryptedKey) decrypt() (ssh.Signer, error) {
	k.pause()
	defer k.resume()
	decrypted.Lock()
	defer decrypted.Unlock()
	if s, ok := decrypted.signers[k.path]; ok {
		return s, nil
	}
	passphrase := k.cfg.KeyPassphrase
	if passphrase == "" {
		if k.cfg.PassphrasePrompt == nil {
			return nil, fmt.Errorf("identity file %s is encrypted and no passphrase was given", k.path)
		}
		p, err := k.cfg.PassphrasePrompt(k.path)
		if err != nil {
			return nil, fmt.Errorf("passphrase for identity file %s: %w", k.path, err)
		}
		passphrase = p
	}
	s, err := ssh.ParsePrivateKeyWithPassphrase(k.data, []byte(passphrase))
	if errors.Is(err, x509.IncorrectPasswordError) {
		return nil, fmt.Errorf("identity file %s: wrong passphrase", k.path)
	}
	if err != nil {
		return nil, fmt.Errorf("identity file %s: %w", k.path, err)
	}
	if decrypted.signers == nil {
		decrypted.signers = map[string]ssh.Signer{}
	}
	decrypted.signers[k.path] = s
	return s, nil
}
