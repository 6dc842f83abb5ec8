package sshtransport

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// authMethods returns the ways to authenticate to e: the agent's keys and
// the identity files in one public-key method, then the password when set.
// The returned closer releases the agent connection. pause and resume
// suspend the handshake timeout while the operator types a passphrase.
func authMethods(cfg *Config, e endpoint, pause, resume func()) ([]ssh.AuthMethod, io.Closer, error) {
	var signers []ssh.Signer
	var closer io.Closer = nopCloser{}
	if sock := agentSocket(cfg); sock != "" {
		if conn, err := net.Dial("unix", sock); err == nil {
			closer = conn
			if keys, err := agent.NewClient(conn).Signers(); err == nil {
				signers = append(signers, keys...)
			}
		}
	}
	for _, path := range e.identityFiles {
		s, err := loadIdentity(cfg, path, pause, resume)
		if err != nil {
			if os.IsNotExist(err) && !e.explicitKeys {
				continue
			}
			closer.Close()
			return nil, nil, err
		}
		signers = append(signers, s)
	}
	var methods []ssh.AuthMethod
	if len(signers) > 0 {
		methods = append(methods, ssh.PublicKeys(signers...))
	}
	if cfg.Password != "" {
		methods = append(methods, ssh.Password(cfg.Password), ssh.KeyboardInteractive(answerPassword(cfg.Password)))
	}
	if len(methods) == 0 {
		closer.Close()
		return nil, nil, errors.New("no way to authenticate: no agent keys, no identity file and no password")
	}
	return methods, closer, nil
}

// agentSocket returns the agent socket to use, or "".
func agentSocket(cfg *Config) string {
	if cfg.AgentSocket == "none" {
		return ""
	}
	if cfg.AgentSocket != "" {
		return cfg.AgentSocket
	}
	return os.Getenv("SSH_AUTH_SOCK")
}

// answerPassword answers a keyboard-interactive challenge made of one
// hidden question (a password prompt) with password.
func answerPassword(password string) ssh.KeyboardInteractiveChallenge {
	return func(_, _ string, questions []string, echos []bool) ([]string, error) {
		if len(questions) == 0 {
			return nil, nil
		}
		if len(questions) != 1 || echos[0] {
			return nil, errors.New("keyboard-interactive challenge is not a password prompt")
		}
		return []string{password}, nil
	}
}

// decrypted caches keys decrypted with a passphrase, by path, so that an
// operator is asked once per key and not once per host.
var decrypted struct {
	sync.Mutex
	signers map[string]ssh.Signer
}

// loadIdentity reads the key file at path. An encrypted key whose public
// half is readable is returned as a signer that decrypts it only when the
// server accepts it.
func loadIdentity(cfg *Config, path string, pause, resume func()) (ssh.Signer, error) {
	k, err := identityFiles.load([]string{path}, func() (parsedKey, error) { return parseIdentity(path) })
	if err != nil {
		return nil, err
	}
	if k.signer != nil {
		return k.signer, nil
	}
	key := &encryptedKey{path: path, data: k.data, cfg: cfg, pause: pause, resume: resume, public: k.public}
	if key.public == nil {
		return key.decrypt()
	}
	return key, nil
}

// identityFiles holds the parsed identity files, read again when they
// change: parsing an RSA key takes milliseconds, once per host.
var identityFiles fileCache[parsedKey]

// parsedKey is an identity file as read: its signer or, when it is
// encrypted, its content and its public half (nil when the file does not
// carry it).
type parsedKey struct {
	signer ssh.Signer
	data   []byte
	public ssh.PublicKey
}

// parseIdentity reads the key file at path. A missing file gives an error
// for which os.IsNotExist holds.
func parseIdentity(path string) (parsedKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return parsedKey{}, err
		}
		return parsedKey{}, fmt.Errorf("identity file: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	var missing *ssh.PassphraseMissingError
	switch {
	case err == nil:
		return parsedKey{signer: signer}, nil
	case !errors.As(err, &missing):
		return parsedKey{}, fmt.Errorf("identity file %s: %w", path, err)
	}
	return parsedKey{data: data, public: missing.PublicKey}, nil
}

// nopCloser closes nothing.
type nopCloser struct{}

func (nopCloser) Close() error { return nil }
