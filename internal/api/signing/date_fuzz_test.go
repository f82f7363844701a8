package signing_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"partnercenter/internal/api/signing"
)

// FuzzRequestTime reads arbitrary X-Sdk-Date values: either refused as
// ErrDate, or a UTC time that the signer writes back as the same text, so
// that the time checked against the 15-minute window is the time signed.
func FuzzRequestTime(f *testing.F) {
	for _, s := range []string{"20260105T093000Z", "20261305T093000Z", "20260105T093000", "2026-01-05T09:30:00Z",
		"20260105T250000Z", "00000101T000000Z", "99991231T235959Z", "20260105T93000Z", "", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set(signing.HeaderDate, v)
		got, err := signing.RequestTime(h)
		if err != nil {
			if !errors.Is(err, signing.ErrDate) {
				t.Fatalf("%q: unexpected error kind %v", v, err)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q: read in %v", v, got.Location())
		}
		if back := got.Format(signing.DateFormat); back != h.Get(signing.HeaderDate) {
			t.Fatalf("%q read as %v, written back as %q", v, got, back)
		}
		// Far from now, it is refused by the window, never accepted.
		if d := time.Since(got); (d > time.Hour || d < -time.Hour) && signing.CheckTime(got, time.Now(), 15*time.Minute) == nil {
			t.Fatalf("%q is %v away and passes the 15-minute window", v, d)
		}
	})
}
