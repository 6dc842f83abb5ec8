package sshtransport

import (
	"reflect"
	"testing"

	"github.com/runbookhq/runbook/engine"
)

func TestForHost(t *testing.T) {
	h := engine.HostConfig{
		Name: "db", Address: "10.0.0.2", Port: 2222, User: "admin", Groups: []string{"all"},
		IdentityFile: "/keys/db", Password: "pw", SudoPassword: "sudo", KeyPassphrase: "phrase",
	}
	want := Config{
		Name: "db", Address: "10.0.0.2", Port: 2222, User: "admin",
		IdentityFiles: []string{"/keys/db"}, Password: "pw", KeyPassphrase: "phrase",
	}
	if got := ForHost(h); !reflect.DeepEqual(got, want) {
		t.Errorf("ForHost = %+v, want %+v", got, want)
	}
	if got := ForHost(engine.HostConfig{Name: "web"}); got.IdentityFiles != nil {
		t.Errorf("no identity_file gives IdentityFiles %q, want none (ssh_config's, then the defaults)", got.IdentityFiles)
	}
}
