package compile

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"golang.org/x/crypto/argon2"
)

// JournalKey returns the key of the playbook's journal (see journal.Open
// and RunOptions.Journal): a hash of where the playbook was loaded from
// (its absolute path, or its name in an embedded file system) and of the
// names, addresses and ports of its hosts, so that each playbook and
// inventory keeps a journal of its own.
func (p *Program) JournalKey() string {
	h := sha256.New()
	writeField(h, p.origin)
	for _, line := range p.hostLines() {
		writeField(h, line)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// hostLines describes the declared hosts, "name address:port", sorted by
// name.
func (p *Program) hostLines() []string {
	lines := []string{}
	for _, h := range p.hosts {
		if !h.builtin {
			lines = append(lines, fmt.Sprintf("%s %s:%d", h.cfg.Name, h.cfg.Address, h.cfg.Port))
		}
	}
	return lines
}

// RedactedHostLines returns hostLines with any secret (an address from a
// sensitive variable) redacted, for the journal.
func (p *Program) RedactedHostLines() []string {
	lines := p.hostLines()
	for i, line := range lines {
		lines[i] = p.secrets.Redact(line)
	}
	return lines
}

// Fingerprint returns a hash of the names and contents of the playbook's
// files and inventory files, which changes when any of them does.
func (p *Program) Fingerprint() string {
	h := sha256.New()
	for _, f := range p.sources {
		writeField(h, filepath.Base(f.Name))
		writeField(h, string(f.File.Bytes))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// VarHashes returns, for each variable, a hash of its value salted with
// salt. Sensitive values are hashed with Argon2id, a hash made slow and
// memory-hungry so that the journal cannot be used to guess them.
func (p *Program) VarHashes(salt []byte) map[string]string {
	hashes := make(map[string]string, len(p.vars))
	for _, v := range p.vars {
		plain, _ := v.value.UnmarkDeep()
		data, err := ctyjson.Marshal(plain, cty.DynamicPseudoType)
		if err != nil { // an unknown value: the playbook did not load
			data = []byte(err.Error())
		}
		var sum []byte
		if v.sensitive {
			sum = argon2.IDKey(data, salt, 2, 19*1024, 1, 32)
		} else {
			h := sha256.New()
			h.Write(salt)
			h.Write(data)
			sum = h.Sum(nil)
		}
		hashes[v.Name] = hex.EncodeToString(sum)
	}
	return hashes
}

// writeField writes s to h with its length first, so that the fields of
// a hash cannot run into each other.
func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// DisplayOrigin returns where the playbook came from, for people.
func (p *Program) DisplayOrigin() string { return strings.TrimPrefix(p.origin, "embedded:") }
