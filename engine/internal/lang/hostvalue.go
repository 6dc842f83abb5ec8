package lang

import (
	"errors"
	"fmt"

	"github.com/zclconf/go-cty/cty"
)

// HostName returns the host name that v, a known value that is not null,
// names: v is a host name or a host object.
func HostName(v cty.Value) (string, error) {
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString(), nil
	case IsHostObject(ty):
		name := v.GetAttr("name")
		if name.IsNull() || !name.IsKnown() {
			return "", errors.New("its name is not known")
		}
		return name.AsString(), nil
	}
	return "", fmt.Errorf("it is %s", TypeName(ty))
}

// IsHostObject reports whether ty is the type of a host object: an object
// with a string name.
func IsHostObject(ty cty.Type) bool {
	return ty.IsObjectType() && ty.HasAttribute("name") && ty.AttributeType("name") == cty.String
}
