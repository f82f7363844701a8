package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/requestid"
)

// errorCode is one row of the error table: an API error code, the HTTP status
// it is answered with, the domain code it classifies as in logs and metrics,
// and whether it is the answer for every error of that domain code that names
// no API code of its own. What each code means is written once, in the API
// document's x-error-codes.
type errorCode struct {
	Code    string
	Status  int
	Domain  apperr.Code
	Default bool
}

// errorCodes is the one table that decides how an error is answered. A
// domain error carrying an APICode answers with that row; any other answers
// with the default row of its apperr.Code. CBC.* and APIGW.* codes are those
// of the provider's public BSS API and API gateway, with the same HTTP
// status; PC.* codes are ours, for faults the provider's gateway folds into
// one code, so that a caller can tell them apart.
var errorCodes = []errorCode{
	{"CBC.0100", http.StatusBadRequest, apperr.Invalid, true},
	{"CBC.0101", http.StatusBadRequest, apperr.Invalid, false},
	{"CBC.0150", http.StatusForbidden, apperr.Forbidden, false},
	{"CBC.0151", http.StatusForbidden, apperr.Forbidden, true},
	{"CBC.0999", http.StatusInternalServerError, apperr.Internal, true},
	{"CBC.99000050", http.StatusBadRequest, apperr.Conflict, false},
	{"CBC.99005003", http.StatusBadRequest, apperr.Insufficient, false},
	{"CBC.30000009", http.StatusBadRequest, apperr.Conflict, false},
	{"CBC.99003110", http.StatusBadRequest, apperr.Conflict, false},
	{"APIGW.0101", http.StatusNotFound, apperr.NotFound, false},
	{"APIGW.0201", http.StatusRequestEntityTooLarge, apperr.Invalid, false},
	{"APIGW.0301", http.StatusUnauthorized, apperr.Unauthorized, true},
	{"APIGW.0308", http.StatusTooManyRequests, apperr.RateLimited, true},
	{"PC.0300", http.StatusUnauthorized, apperr.Unauthorized, false},
	{"PC.0302", http.StatusUnauthorized, apperr.Unauthorized, false},
	{"PC.0303", http.StatusUnauthorized, apperr.Unauthorized, false},
	{"PC.0304", http.StatusUnauthorized, apperr.Unauthorized, false},
	{"PC.0305", http.StatusUnauthorized, apperr.Unauthorized, false},
	{"PC.0306", http.StatusUnauthorized, apperr.Unauthorized, false},
	{"PC.0307", http.StatusForbidden, apperr.Forbidden, false},
	{"PC.0308", http.StatusForbidden, apperr.Forbidden, false},
	{"PC.0309", http.StatusUnauthorized, apperr.Unauthorized, false},
	{"PC.0404", http.StatusNotFound, apperr.NotFound, true},
	{"PC.0409", http.StatusConflict, apperr.Conflict, true},
	{"PC.0410", http.StatusConflict, apperr.Conflict, false},
	{"PC.0460", http.StatusBadRequest, apperr.Insufficient, true},
}

var (
	codeByName    = map[string]errorCode{}
	codeByDefault = map[apperr.Code]errorCode{}
)

func init() {
	for _, c := range errorCodes {
		codeByName[c.Code] = c
		if c.Default {
			codeByDefault[c.Domain] = c
		}
	}
}

// apiError builds a domain error that answers with a given API code.
func apiError(code, key, msg string, args ...any) *apperr.Error {
	c, ok := codeByName[code]
	if !ok {
		panic("api: error code not in the table: " + code)
	}
	return apperr.New(c.Domain, key, msg, args...).WithAPICode(code)
}

// errorBody is the error answer the SDK parses (error_code, error_msg); the
// request id is repeated in the body, as the provider's gateway does.
type errorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id,omitempty"`
}

// classify turns any error into its table row and the message shown to the
// caller. Errors that are not domain errors (driver errors, bugs) are
// internal: their text is logged by the caller, never shown.
func classify(err error) (errorCode, string) {
	e, ok := apperr.As(err)
	if !ok {
		return codeByDefault[apperr.Internal], ""
	}
	if e.APICode != "" {
		if c, ok := codeByName[e.APICode]; ok {
			return c, e.Error()
		}
	}
	c, ok := codeByDefault[e.Code]
	if !ok || e.Code == apperr.Internal {
		return codeByDefault[apperr.Internal], ""
	}
	return c, e.Error()
}

// errorResponse renders err as status and body; internal errors are logged
// with the request id and answered with a generic message.
func (s *service) errorResponse(r *http.Request, err error) (int, []byte) {
	c, msg := classify(err)
	id := requestid.From(r.Context())
	if c.Status >= http.StatusInternalServerError {
		s.app.Log.Error("api: internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error; quote request id " + id + " to support"
	}
	body := mustJSON(errorBody{ErrorCode: c.Code, ErrorMsg: msg, RequestID: id})
	var d *detailedError
	if errors.As(err, &d) && c.Status < http.StatusInternalServerError {
		fields := map[string]any{}
		_ = json.Unmarshal(body, &fields)
		for k, v := range d.fields {
			fields[k] = v
		}
		body = mustJSON(fields)
	}
	return c.Status, body
}

// detailedError is an error whose answer carries fields beside error_code
// and error_msg, where a BSS operation documents some (CreateSubCustomer
// names the existing customer with CBC.99000050).
type detailedError struct {
	err    error
	fields map[string]any
}

func (e *detailedError) Error() string { return e.err.Error() }
func (e *detailedError) Unwrap() error { return e.err }

// withFields adds answer fields to err.
func withFields(err error, fields map[string]string) error {
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		out[k] = v
	}
	return &detailedError{err: err, fields: out}
}

// asCode answers err with an API code when it is a domain error of a given
// domain code that names none of its own: an operation's BSS code for a
// fault the capability reports in general terms (not enough balance).
func asCode(err error, domain apperr.Code, code string) error {
	if e, ok := apperr.As(err); ok && e.Code == domain && e.APICode == "" {
		relabelled := *e
		return relabelled.WithAPICode(code)
	}
	return err
}
