package alation

import (
	"fmt"
	"time"
)

// checkDuration checks that the argument name holds a positive duration.
func checkDuration(name, value string) error {
	if d, err := time.ParseDuration(value); err != nil || d <= 0 {
		return fmt.Errorf("%s %q is not a positive duration such as \"30m\"", name, value)
	}
	return nil
}
