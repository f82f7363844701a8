package api

import (
	"strings"
	"testing"

	"partnercenter/internal/platform/apperr"
	"partnercenter/openapi"
)

// The API document and the route table describe the same operations.
func TestDocumentMatchesRoutes(t *testing.T) {
	d, err := parseDocument(openapi.JSON)
	if err != nil {
		t.Fatal(err)
	}
	inTable := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		inTable[key] = true
		op := d.Paths[rt.Pattern][strings.ToLower(rt.Method)]
		switch {
		case op == nil:
			t.Errorf("route %s (%s) is not in openapi.json", key, rt.OperationID)
		case op.OperationID != rt.OperationID:
			t.Errorf("%s: operationId %q in openapi.json, %q in the route table", key, op.OperationID, rt.OperationID)
		}
	}
	for path, methods := range d.Paths {
		for method := range methods {
			if key := strings.ToUpper(method) + " " + path; !inTable[key] {
				t.Errorf("openapi.json documents %s, which has no route", key)
			}
		}
	}
}

// The document's error codes are the error table's, with the same status.
func TestDocumentListsTheErrorTable(t *testing.T) {
	d, err := parseDocument(openapi.JSON)
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]int{}
	for _, c := range d.ErrorCodes {
		documented[c.Code] = c.Status
		if c.Meaning == "" {
			t.Errorf("%s has no meaning in openapi.json", c.Code)
		}
	}
	for _, c := range errorCodes {
		if status, ok := documented[c.Code]; !ok || status != c.Status {
			t.Errorf("%s (%d) is documented as %d", c.Code, c.Status, status)
		}
		delete(documented, c.Code)
	}
	for code := range documented {
		t.Errorf("openapi.json documents %s, which the error table lacks", code)
	}
}

// Every domain error code has exactly one default row.
func TestEveryDomainCodeHasARow(t *testing.T) {
	seen := map[apperr.Code]string{}
	for _, c := range errorCodes {
		if !c.Default {
			continue
		}
		if prev, dup := seen[c.Domain]; dup {
			t.Errorf("%s is the default of both %s and %s", c.Domain, prev, c.Code)
		}
		seen[c.Domain] = c.Code
	}
	for _, code := range []apperr.Code{apperr.Invalid, apperr.NotFound, apperr.Conflict, apperr.Unauthorized,
		apperr.Forbidden, apperr.RateLimited, apperr.Insufficient, apperr.Internal} {
		if _, ok := seen[code]; !ok {
			t.Errorf("no row answers %s", code)
		}
	}
}
