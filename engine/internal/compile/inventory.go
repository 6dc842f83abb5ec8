package compile

import "github.com/runbookhq/runbook/engine/internal/config"

// decodeInventory reads the inventory files of LoadOptions.Inventory and
// records their host blocks; any other block is an error.
func (l *loader) decodeInventory() {
	for _, path := range l.opts.Inventory {
		data, err := config.ReadFile(config.OS(), path)
		if err != nil {
			l.errorf(nil, "Cannot read inventory file", "%s", err)
			continue
		}
		f := l.parse(data, path)
		if f == nil {
			continue
		}
		content, diags := f.Body.Content(rootSchema)
		l.diags = append(l.diags, diags...)
		for _, b := range content.Blocks {
			if b.Type != "host" {
				l.errorf(b.DefRange.Ptr(), "Not a host block",
					"The inventory file %s may hold only host blocks; this %s block belongs in the playbook.", path, b.Type)
				continue
			}
			l.decodeHostBlock(b)
		}
		l.p.sources = append(l.p.sources, config.NamedFile{Name: path, File: f})
	}
}
