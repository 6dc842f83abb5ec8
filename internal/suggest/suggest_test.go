package suggest

import "testing"

func TestDidYouMean(t *testing.T) {
	names := []string{"plan", "run", "validate"}
	cases := map[string]string{
		"valdiate": ` Did you mean "validate"?`,
		"deploy":   "",
		"rnu":      ` Did you mean "run"?`,
		"plän":     ` Did you mean "plan"?`,
	}
	for given, want := range cases {
		if got := DidYouMean(given, names); got != want {
			t.Errorf("DidYouMean(%q) = %q, want %q", given, got, want)
		}
	}
}

func TestClosestFirstOfEqual(t *testing.T) {
	if got := Closest("ab", []string{"ax", "ay"}); got != "ax" {
		t.Errorf("Closest(ab) = %q, want the first of two equally close names", got)
	}
}
