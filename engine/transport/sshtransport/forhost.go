package sshtransport

import "github.com/runbookhq/runbook/engine"

// ForHost returns the Config that reaches the host of a playbook's host
// block: its name, address, port and user, its identity_file, password
// and key passphrase, and its Warn, so that the transport's warnings
// become the run's engine.EventHostWarning events. The CLI, the tests and
// programs that run playbooks start from it and add what is theirs to
// choose, such as the known_hosts files and the host key policy:
//
//	Connect: func(h engine.HostConfig) (transport.Host, error) {
//		return sshtransport.New(sshtransport.ForHost(h))
//	}
func ForHost(h engine.HostConfig) Config {
	cfg := Config{
		Name:          h.Name,
		Address:       h.Address,
		Port:          h.Port,
		User:          h.User,
		Password:      h.Password,
		KeyPassphrase: h.KeyPassphrase,
		Warn:          h.Warn,
	}
	if h.IdentityFile != "" {
		cfg.IdentityFiles = []string{h.IdentityFile}
	}
	return cfg
}
