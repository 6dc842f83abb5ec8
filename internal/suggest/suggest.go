package suggest

import (
	"fmt"

	"github.com/agext/levenshtein"
)

// maxDistance is the smallest edit distance at which a candidate is no
// longer taken for a typo of the given name.
const maxDistance = 3

// Closest returns the candidate closest to name by edit distance (counted
// in runes), or "" when none is close enough to be a likely typo. Among
// equally close candidates the first wins, so callers pass sorted
// candidates for a stable answer.
func Closest(name string, candidates []string) string {
	best, bestDist := "", maxDistance
	for _, c := range candidates {
		if d := levenshtein.Distance(name, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// DidYouMean returns ` Did you mean "X"?`, with a leading space, for the
// candidate Closest finds, or "" when there is none.
func DidYouMean(name string, candidates []string) string {
	if s := Closest(name, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}
