package lang

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Place names the start of r as file:line:column, as every error names a
// place in a playbook.
func Place(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// DiagsError returns diags, which hold an error, as an error that names
// the place of each as Place does: "site.hcl:7:22: Invalid function
// argument; Invalid value ...". An hcl.Diagnostics used as an error names
// them as "site.hcl:7,22-36" instead.
func DiagsError(diags hcl.Diagnostics) error { return diagsError(diags.Errs()) }

// diagsError is the errors of diagnostics, each an *hcl.Diagnostic.
type diagsError []error

func (e diagsError) Error() string {
	parts := make([]string, 0, len(e))
	for _, err := range e {
		d, ok := err.(*hcl.Diagnostic)
		if !ok {
			parts = append(parts, err.Error())
			continue
		}
		s := d.Summary
		if d.Subject != nil {
			s = Place(*d.Subject) + ": " + s
		}
		if d.Detail != "" {
			s += "; " + d.Detail
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func (e diagsError) Unwrap() []error { return e }
