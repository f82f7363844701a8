// Package apperr defines the domain errors that capability packages return.
// Each carries a Code that the API and the console map to their own answers
// in one table each, a message key for the user's language, and optionally the
// field at fault so a form can show the message next to it.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error; it decides the HTTP status and API error code.
type Code string

const (
	Invalid      Code = "invalid"      // bad input: a field is missing, malformed or out of range
	NotFound     Code = "not_found"    // absent, or belongs to another tenant
	Conflict     Code = "conflict"     // duplicate, or the object's state forbids the action
	Unauthorized Code = "unauthorized" // no valid credentials
	Forbidden    Code = "forbidden"    // valid credentials without the permission
	RateLimited  Code = "rate_limited" // too many requests or attempts
	Insufficient Code = "insufficient" // not enough balance or quota
	Internal     Code = "internal"     // anything else; details are logged, never shown
)

// Error is a domain error. Key names a message in the i18n catalogue; Args
// fill its placeholders. Msg is the English text, used in logs and where no
// catalogue is at hand.
type Error struct {
	Code  Code
	Field string
	Key   string
	Args  []any
	Msg   string
	// APICode overrides the API error code for this error (for instance a
	// BSS-specific code such as CBC.0100); empty means "use the table".
	APICode string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Msg)
	}
	return e.Msg
}

// New builds an error of the given code with an English message.
func New(code Code, key, msg string, args ...any) *Error {
	return &Error{Code: code, Key: key, Msg: fmt.Sprintf(msg, args...), Args: args}
}

// Field builds an invalid-input error about one field.
func Field(field, key, msg string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Key: key, Msg: fmt.Sprintf(msg, args...), Args: args}
}

// NotFoundf is the answer for a missing object, or one of another tenant.
func NotFoundf(key, msg string, args ...any) *Error { return New(NotFound, key, msg, args...) }

// WithAPICode sets the API error code this error answers with.
func (e *Error) WithAPICode(code string) *Error { e.APICode = code; return e }

// CodeOf returns the code of err, Internal for errors that are not domain errors.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As extracts the domain error, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
