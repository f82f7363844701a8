package delivery_test

import (
	"testing"

	"partnercenter/internal/delivery"
	"partnercenter/internal/platform/ids"
)

// A run of 100,000 candidates at 10%, the size the sampling benchmark
// draws from.
func benchRun(b *testing.B) *delivery.Run {
	b.Helper()
	candidates := make([]string, 100_000)
	for i := range candidates {
		candidates[i] = ids.New()
	}
	r := &delivery.Run{Seed: delivery.NewSeed(), RateBP: 1000, Candidates: candidates}
	r.Drawn = delivery.Draw(r.Seed, r.RateBP, candidates)
	return r
}

// What re-checking a run costs from scratch (Verify fails here on the
// digest the benchmark leaves out; the draw is what it re-computes after).
func BenchmarkRunRecheck(b *testing.B) {
	r := benchRun(b)
	for b.Loop() {
		_ = delivery.Draw(r.Seed, r.RateBP, r.Candidates)
		_ = r.Cutoff()
	}
}

// What a look at a run costs once its check is kept by fingerprint.
func BenchmarkRunFingerprint(b *testing.B) {
	r := benchRun(b)
	for b.Loop() {
		_ = r.Fingerprint()
	}
}

// Each part of the partner's own check.
func TestScoreCutoffAndFingerprint(t *testing.T) {
	r := &delivery.Run{Seed: "00112233445566778899aabbccddeeff", RateBP: 5000, Candidates: []string{"a", "b", "c", "d"}}
	r.Drawn = delivery.Draw(r.Seed, r.RateBP, r.Candidates)
	if len(r.Drawn) != 2 {
		t.Fatalf("drawn %v", r.Drawn)
	}
	// printf '%s:%s' 00112233445566778899aabbccddeeff a | sha256sum
	if got := delivery.Score(r.Seed, "a"); got != "df7014640a10cae4c10ac8528f055845b0ab9ed5fd897e81ba2d15e0643458e8" {
		t.Fatalf("score %q", got)
	}
	for _, id := range r.Candidates {
		if drawn := delivery.Score(r.Seed, id) <= r.Cutoff(); drawn != r.Drew(id) {
			t.Errorf("%s: score %s against cutoff %s, drawn %v", id, delivery.Score(r.Seed, id), r.Cutoff(), r.Drew(id))
		}
	}
	fp := r.Fingerprint()
	other := []string{"a", "b"}
	if r.Drawn[0] == "a" && r.Drawn[1] == "b" {
		other = []string{"c", "d"}
	}
	if (&delivery.Run{Seed: r.Seed, RateBP: r.RateBP, Candidates: r.Candidates, Drawn: other}).Fingerprint() == fp {
		t.Fatal("another draw has the same fingerprint")
	}
	if (&delivery.Run{Seed: r.Seed, RateBP: 1000, Candidates: r.Candidates, Drawn: r.Drawn}).Fingerprint() == fp {
		t.Fatal("another rate has the same fingerprint")
	}
	if (&delivery.Run{}).Cutoff() != "" {
		t.Fatal("a run that drew none has a cutoff")
	}
}
