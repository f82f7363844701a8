package delivery

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
)

// What a partner needs to check its own project's draw without the other
// candidates' ids: the project's score and the run's cutoff. Hex strings of
// the same length compare as their bytes do, so a project was drawn exactly
// when its score is at most the cutoff (a tie would need two equal SHA-256
// sums).

// Score is a candidate's score in a draw: the hex SHA-256 of seed:id, what
// `printf '%s:%s' SEED ID | sha256sum` prints.
func Score(seed, id string) string {
	sum := sha256.Sum256([]byte(seed + ":" + id))
	return hex.EncodeToString(sum[:])
}

// Cutoff is the highest score among a run's drawn projects, "" when it drew
// none. The run must be read with its lists (GetRun).
func (r *Run) Cutoff() string {
	cutoff := ""
	for _, id := range r.Drawn {
		cutoff = max(cutoff, Score(r.Seed, id))
	}
	return cutoff
}

// Drew reports whether the run drew the project.
func (r *Run) Drew(projectID string) bool { return slices.Contains(r.Drawn, projectID) }

// Fingerprint is a digest of everything Verify reads (the seed, the rate,
// the candidates as read, their stored digest and the draw): a run with a
// fingerprint that verified once verifies again, so a caller may keep the
// outcome by fingerprint and still notice any change to the stored run.
func (r *Run) Fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n%s\n%d\n", r.Seed, r.RateBP, r.CandidatesSHA256, len(r.Candidates))
	for _, list := range [][]string{r.Candidates, r.Drawn} {
		for _, id := range list {
			h.Write([]byte(id))
			h.Write([]byte{'\n'})
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
