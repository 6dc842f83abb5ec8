package alation

import "testing"

func TestInlineReplication(t *testing.T) {
	tests := []struct {
		bytes     int64
		threshold int
		minimize  bool
		inline    bool
	}{
		{12_000_000_000, 100, false, true},
		{100_000_000_000, 100, false, true},
		{100_000_000_001, 100, false, false},
		{1_000, 100, true, false},
		{1, 0, false, false},
	}
	for _, tt := range tests {
		if got := inlineReplication(tt.bytes, tt.threshold, tt.minimize); got != tt.inline {
			t.Errorf("inlineReplication(%d, %d, %v) = %v", tt.bytes, tt.threshold, tt.minimize, got)
		}
	}
}

func TestParseNumber(t *testing.T) {
	good := map[string]int64{"0": 0, "150004": 150004, " 12 ": 12, "1024.000": 1024, "-3": -3}
	for in, want := range good {
		if got, err := parseNumber(in); err != nil || got != want {
			t.Errorf("parseNumber(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "1.5", "x"} {
		if _, err := parseNumber(in); err == nil {
			t.Errorf("parseNumber(%q) succeeded", in)
		}
	}
}

func TestPgReplicateValidate(t *testing.T) {
	if err := (&PgReplicate{InlineThresholdGB: 100, Wait: "5m"}).Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if err := (&PgReplicate{InlineThresholdGB: -1, Wait: "5m"}).Validate(); err == nil {
		t.Error("negative threshold accepted")
	}
	if err := (&PgReplicate{Wait: "later"}).Validate(); err == nil {
		t.Error("bad wait accepted")
	}
}
