package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Decode reads the JSON request body into v. An empty body leaves v as it
// is. A fault names the offending field where JSON says which it is.
func (c *Call) Decode(v any) error {
	if len(bytes.TrimSpace(c.Body)) == 0 {
		return nil
	}
	if !c.bodySigned {
		// Only a signed body can be trusted to be the one the caller sent.
		return apiError("PC.0305", "api.body_unsigned", "a JSON body must be signed: do not send X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD")
	}
	if bytes.Contains(c.Body, []byte(`\u0000`)) {
		// No text of the partner center holds a NUL, and PostgreSQL refuses
		// one in a query's arguments.
		return apiError("CBC.0101", "api.json_nul", "the request body must not hold a NUL character (\\u0000)")
	}
	err := json.Unmarshal(c.Body, v)
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syntaxErr):
		return apiError("CBC.0101", "api.json_syntax", "the request body is not valid JSON: %s (at byte %d)", syntaxErr.Error(), syntaxErr.Offset)
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return apiError("CBC.0101", "api.json_not_object", "the request body must be a JSON object, not %s", typeErr.Value)
	case errors.As(err, &typeErr):
		return fieldError("CBC.0101", typeErr.Field, "api.json_type", "must be %s, not %s", jsonKind(typeErr.Type), typeErr.Value)
	}
	return apiError("CBC.0101", "api.json_invalid", "the request body is not valid JSON: %v", err)
}

// jsonKind names what JSON value a Go type takes.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// fieldError is an invalid-input error about one field answering with code.
func fieldError(code, field, key, msg string, args ...any) *apperr.Error {
	return apperr.Field(field, key, msg, args...).WithAPICode(code)
}

// InTx runs fn in a database transaction. When the request carries an
// Idempotency-Key, the answer is stored in the same transaction, so that a
// committed change and its replayable answer exist together or not at all.
func (c *Call) InTx(fn func(tx *store.Tx) (any, error)) (any, error) {
	ctx := c.Request.Context()
	var res any
	var stored []byte
	err := c.s.app.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if res, err = fn(tx); err != nil || c.idem == nil {
			return err
		}
		stored = mustJSON(res)
		return c.idem.insert(ctx, tx, 200, stored)
	})
	if err == nil && c.idem != nil {
		c.idem.saved, c.idem.body = true, stored
	}
	return res, err
}

// ctx is the request's context, which carries the principal.
func (c *Call) ctx() context.Context { return c.Request.Context() }

// reader is for reads outside a transaction.
func (c *Call) reader() store.Reader { return c.s.app.DB.Reader() }

// require refuses a caller without a permission. An access key holds every
// permission of its partner today; checking here is what lets per-key
// scopes narrow that in one place.
func (c *Call) require(perm auth.Permission) error {
	if !c.Principal.Can(perm) {
		return apiError("CBC.0151", "api.permission", "Access denied: this caller may not use the operation (%s)", perm)
	}
	return nil
}

// actingFor is the partner the call acts for: the caller's own, or, for a
// total distributor, the reseller named by indirect_partner_id. Any other id
// answers not found, as one that does not exist.
func (c *Call) actingFor(field string, indirectPartnerID *string) (string, error) {
	id, err := optionalString(field, indirectPartnerID, 64)
	if err != nil {
		return "", err
	}
	return partner.ActingFor(c.ctx(), c.reader(), c.Partner.ID, id)
}
