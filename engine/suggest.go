package engine

import (
	"fmt"

	"github.com/agext/levenshtein"
)

// suggest returns the candidate closest to name, or "" when none is close
// enough to be a likely typo. Among equally close candidates the first
// wins, so callers pass sorted candidates for a stable answer.
func suggest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein.Distance(name, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// didYouMean returns ` Did you mean "X"?` for the closest candidate, or ""
// when there is none.
func didYouMean(name string, candidates []string) string {
	if s := suggest(name, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}
