package hostconf

import (
	"fmt"
	"strconv"
	"strings"
)

// Layout is what an Alation version implies about a host's files and
// commands.
type Layout struct {
	// AlationDir is /usr/local/alation for 3.12 and below and
	// /opt/alation/alation for 4.0 and above.
	AlationDir string
	// HasKeyExchangeScript is true below 4.8, where Alation ships
	// unjailed_key_exchange; from 4.8 on, `alation_action
	// cluster_generate_keys` replaces it.
	HasKeyExchangeScript bool
}

// KeyExchangeScript is the path of unjailed_key_exchange under an Alation
// directory.
func KeyExchangeScript(alationDir string) string {
	return alationDir + "/opt/alation/ops/actions/unjailed_key_exchange"
}

// LayoutFor returns the layout of version, which must be MAJOR.MINOR or
// MAJOR.MINOR.PATCH, and 3.12 or below or 4.0 or above.
func LayoutFor(version string) (Layout, error) {
	major, minor, err := parseVersion(version)
	if err != nil {
		return Layout{}, err
	}
	switch {
	case major < 3 || (major == 3 && minor <= 12):
		return Layout{AlationDir: "/usr/local/alation", HasKeyExchangeScript: true}, nil
	case major >= 4:
		return Layout{
			AlationDir:           "/opt/alation/alation",
			HasKeyExchangeScript: major == 4 && minor < 8,
		}, nil
	default:
		return Layout{}, fmt.Errorf("alation version %q: no layout is known between 3.12 and 4.0", version)
	}
}

// AtLeast reports whether version is major.minor or later. An unparsable
// version is never at least anything.
func AtLeast(version string, major, minor int) bool {
	ma, mi, err := parseVersion(version)
	if err != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

func parseVersion(version string) (major, minor int, err error) {
	parts := strings.Split(version, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, fmt.Errorf("alation version %q: want MAJOR.MINOR[.PATCH]", version)
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, 0, fmt.Errorf("alation version %q: %q is not a number", version, p)
		}
		nums[i] = n
	}
	return nums[0], nums[1], nil
}
