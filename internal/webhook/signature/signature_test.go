package signature

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// FuzzVerify: whatever headers arrive, Verify answers without panicking,
// accepts a body exactly when it is signed with the secret over that id
// and timestamp, and refuses any change to the body.
func FuzzVerify(f *testing.F) {
	f.Add("evt_1", int64(1767225600), []byte(`{"type":"webhook.test"}`), "v1,abc v1,def", true)
	f.Add("", int64(0), []byte{}, "", false)
	f.Add("msg", int64(-5), []byte("x"), "v2,zz", false)
	secret := NewSecret()
	f.Fuzz(func(t *testing.T, id string, unix int64, body []byte, extra string, sign bool) {
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, strconv.FormatInt(unix, 10))
		sig := extra
		if sign {
			s, err := Sign(secret, id, time.Unix(unix, 0), body)
			if err != nil {
				t.Fatal(err)
			}
			sig = extra + " " + s
		}
		h.Set(HeaderSignature, sig)
		err := Verify(secret, h, body, 0, time.Now())
		if sign && id != "" && err != nil {
			t.Fatalf("a signed body was refused: %v", err)
		}
		if sign && id != "" {
			if Verify(secret, h, append(body, '!'), 0, time.Now()) == nil {
				t.Fatal("a changed body verified")
			}
		}
	})
}

func TestVerifyRefusesStaleAndForeign(t *testing.T) {
	secret, other := NewSecret(), NewSecret()
	now := time.Unix(1767225600, 0)
	body := []byte(`{"id":"evt_1"}`)
	s, err := Sign(secret, "evt_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(HeaderID, "evt_1")
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(HeaderSignature, s)
	if err := Verify(secret, h, body, 5*time.Minute, now.Add(4*time.Minute)); err != nil {
		t.Errorf("within tolerance: %v", err)
	}
	if err := Verify(secret, h, body, 5*time.Minute, now.Add(6*time.Minute)); err != ErrTimestamp {
		t.Errorf("6 minutes late: %v, want ErrTimestamp", err)
	}
	if err := Verify(other, h, body, 0, now); err != ErrNoMatch {
		t.Errorf("another secret: %v, want ErrNoMatch", err)
	}
	if _, err := Sign("whsec_c2hvcnQ=", "evt_1", now, body); err == nil {
		t.Error("a 5-byte secret was accepted")
	}
}
