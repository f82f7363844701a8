// Package client is a Go client for the partner center's extension API: the
// operations the provider's BSS v2 API lacks (co-selling opportunities,
// invoices, incentives, solutions, delivery evaluation, callbacks). For the
// BSS-compatible operations use the provider's public SDK
// (github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2) pointed at
// the same server; this client signs requests the same way
// (SDK-HMAC-SHA256 with X-Sdk-Date and X-Domain-Id) and answers errors in
// the same shape, so one partner platform can use both side by side.
//
// Each group of operations has its own file; every method takes a context
// and returns the decoded answer or an *Error.
//
// The answer types here are the wire types of the extension API: the
// server encodes its answers with them, so the client cannot drift from
// what the server sends. Their omitempty tags are the server's (a field it
// leaves out decodes as the zero value). This package imports nothing of
// the server but the request signing and the callback signature checks.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"partnercenter/internal/api/signing"
)

// Client calls one partner center as one access key of one partner.
type Client struct {
	endpoint string // scheme://host[:port], without a trailing slash
	ak, sk   string
	domainID string
	http     *http.Client
	now      func() time.Time
}

// Option changes a client's defaults.
type Option func(*Client)

// WithHTTPClient sends requests through hc (timeouts, proxies, TLS).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithClock signs requests with the time now returns (tests).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// New builds a client for endpoint (e.g. "https://partner.example.com")
// with an access key, its secret and the partner's account (domain) id.
func New(endpoint, ak, sk, domainID string, opts ...Option) *Client {
	c := &Client{endpoint: strings.TrimRight(endpoint, "/"), ak: ak, sk: sk, domainID: domainID,
		http: &http.Client{Timeout: 30 * time.Second}, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Error is an answer other than 2xx: the API's error code and message, the
// HTTP status and the request id to quote to support.
type Error struct {
	StatusCode int
	Code       string `json:"error_code"`
	Message    string `json:"error_msg"`
	RequestID  string `json:"request_id"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("partner center: %d %s: %s (request %s)", e.StatusCode, e.Code, e.Message, e.RequestID)
}

// IsCode reports whether err is an API answer with the given error code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// CallOption changes one call.
type CallOption func(*http.Request)

// IdempotencyKey sends an Idempotency-Key: a retry of a state-changing call
// with the same key answers as the first attempt did, without acting twice.
func IdempotencyKey(key string) CallOption {
	return func(r *http.Request) { r.Header.Set("Idempotency-Key", key) }
}

// do sends one signed request: query (may be nil) in the URL, in (may be
// nil) as the JSON body, and decodes a 2xx answer into out (may be nil; a
// *[]byte takes the answer's bytes undecoded).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any, opts ...CallOption) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("partner center: encoding the request: %w", err)
		}
	}
	u := c.endpoint + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	req.Header.Set("X-Domain-Id", c.domainID)
	for _, o := range opts {
		o(req)
	}
	if err := signing.Sign(req, body, c.ak, c.sk, c.now()); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{StatusCode: resp.StatusCode}
		if json.Unmarshal(answer, e) != nil || e.Code == "" {
			e.Message = strings.TrimSpace(string(answer))
		}
		if e.RequestID == "" {
			e.RequestID = resp.Header.Get("X-Request-Id")
		}
		return e
	}
	if out == nil || len(answer) == 0 {
		return nil
	}
	if raw, ok := out.(*[]byte); ok {
		// A download (a PDF): the answer's bytes as they came.
		*raw = answer
		return nil
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("partner center: decoding the answer to %s %s: %w", method, path, err)
	}
	return nil
}

// get, post, put and del are do for each method.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, http.MethodGet, path, query, nil, out)
}

func (c *Client) post(ctx context.Context, path string, in, out any, opts ...CallOption) error {
	return c.do(ctx, http.MethodPost, path, nil, in, out, opts...)
}

func (c *Client) put(ctx context.Context, path string, in, out any, opts ...CallOption) error {
	return c.do(ctx, http.MethodPut, path, nil, in, out, opts...)
}

func (c *Client) del(ctx context.Context, path string, out any, opts ...CallOption) error {
	return c.do(ctx, http.MethodDelete, path, nil, nil, out, opts...)
}

// Page is the offset and limit of a list call, as the BSS API pages.
type Page struct {
	Offset int
	Limit  int
}

// values writes the page into a query.
func (p Page) values(q url.Values) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if p.Offset > 0 {
		q.Set("offset", fmt.Sprint(p.Offset))
	}
	if p.Limit > 0 {
		q.Set("limit", fmt.Sprint(p.Limit))
	}
	return q
}

// setNonEmpty sets each name of pairs (name, value, name, value...) whose
// value is not empty.
func setNonEmpty(q url.Values, pairs ...string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
}

// pathEscape escapes one path segment (an id).
func pathEscape(s string) string { return url.PathEscape(s) }
