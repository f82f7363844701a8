package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"partnercenter/internal/api/idemkeys"
	"partnercenter/internal/store"
)

// Idempotency-Key on mutations: the first answer to a request is stored with
// a hash of the request (method, path and query, body) under the caller's
// scope; a retry with the same key and the same request gets that answer
// again without the operation running twice; the same key with a different
// request is refused.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotency-Replayed"
	maxIdempotencyKeyLen = 255
)

type idempotency struct {
	scope, key, hash string
	// saved is set when the operation stored its answer in its own
	// transaction (Call.InTx); body is what it stored.
	saved bool
	body  []byte
}

func (i *idempotency) insert(ctx context.Context, tx *store.Tx, status int, body []byte) error {
	return idemkeys.Insert(ctx, tx, i.scope, i.key, idemkeys.Answer{RequestHash: i.hash, Status: status, Body: body})
}

// idempotent runs a mutation under an Idempotency-Key.
func (s *service) idempotent(w http.ResponseWriter, c *Call, rt Route) {
	r := c.Request
	key := r.Header.Get(headerIdempotencyKey)
	if len(key) > maxIdempotencyKeyLen || !printableASCII(key) {
		s.writeError(w, r, fieldError("CBC.0100", headerIdempotencyKey, "api.idempotency_key_invalid",
			"must be 1 to %d printable ASCII characters", maxIdempotencyKeyLen))
		return
	}
	c.idem = &idempotency{scope: c.Principal.PartnerID + "/" + c.Principal.AccessKeyID, key: key, hash: requestHash(r, c.Body)}
	if s.replay(w, c) {
		return
	}
	res, err := rt.Handle(c)
	if errors.Is(err, idemkeys.ErrExists) && s.replay(w, c) {
		return
	}
	status, out := s.render(r, res, err)
	switch {
	case c.idem.saved:
		// The change committed with its answer; that answer is the one a
		// retry will get, so it is the one to give now.
		status, out = http.StatusOK, c.idem.body
	case status < http.StatusInternalServerError && status != http.StatusTooManyRequests:
		// Answers of operations that did not store their own (refusals, or
		// work outside the database) are stored here. Server faults are not:
		// a retry should run again.
		err := s.app.DB.InTx(r.Context(), func(tx *store.Tx) error { return c.idem.insert(r.Context(), tx, status, out) })
		if errors.Is(err, idemkeys.ErrExists) && s.replay(w, c) {
			return
		}
		if err != nil {
			s.app.Log.Warn("api: storing an idempotent answer", "err", err, "operation", rt.OperationID)
		}
	}
	writeBody(w, status, out)
}

// replay answers from a stored answer under the call's key, if there is one:
// the same answer for the same request, a refusal for a different one.
func (s *service) replay(w http.ResponseWriter, c *Call) bool {
	r := c.Request
	a, err := idemkeys.Get(r.Context(), s.app.DB.Reader(), c.idem.scope, c.idem.key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false
	case err != nil:
		s.writeError(w, r, err)
	case a.RequestHash != c.idem.hash:
		s.writeError(w, r, apiError("PC.0410", "api.idempotency_key_reused",
			"Idempotency-Key %q was used before with a different request; use a new key for a new request", c.idem.key))
	default:
		w.Header().Set(headerReplayed, "true")
		writeBody(w, a.Status, a.Body)
	}
	return true
}

func requestHash(r *http.Request, body []byte) string {
	h := sha256.New()
	h.Write([]byte(r.Method + "\n" + r.URL.RequestURI() + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func printableASCII(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
