package main

import (
	"fmt"
	"strconv"
	"strings"
)

// byteSize is a flag value holding a number of bytes, written as a whole
// number with an optional KiB, MiB or GiB suffix.
type byteSize int

// byteUnits are the suffixes a byteSize may have, largest first.
var byteUnits = []struct {
	suffix string
	size   int
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}

func (s *byteSize) String() string {
	for _, u := range byteUnits {
		if *s != 0 && int(*s)%u.size == 0 {
			return strconv.Itoa(int(*s)/u.size) + u.suffix
		}
	}
	return strconv.Itoa(int(*s))
}

func (s *byteSize) Set(v string) error {
	unit, digits := 1, v
	for _, u := range byteUnits {
		if d, ok := strings.CutSuffix(v, u.suffix); ok {
			unit, digits = u.size, d
			break
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > (1<<40)/unit {
		return fmt.Errorf("%q is not a size: want a positive whole number of bytes, with an optional KiB, MiB or GiB suffix", v)
	}
	*s = byteSize(n * unit)
	return nil
}
