package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// form is a submitted (or empty) form with its messages: one per field,
// shown next to the field, and one for the whole form.
type form struct {
	Values url.Values
	Errors map[string]string
	Error  string
}

func newForm(v url.Values) *form {
	if v == nil {
		v = url.Values{}
	}
	return &form{Values: v, Errors: map[string]string{}}
}

// postForm is the request's form body, at most 1 MiB.
func (c *call) postForm() url.Values {
	c.r.Body = http.MaxBytesReader(c.w, c.r.Body, 1<<20)
	if err := c.r.ParseForm(); err != nil {
		return url.Values{}
	}
	return c.r.PostForm
}

// Get is a field's submitted value, trimmed.
func (f *form) Get(name string) string { return strings.TrimSpace(f.Values.Get(name)) }

// Err is the message for a field, if any.
func (f *form) Err(name string) string { return f.Errors[name] }

// Checked reports whether a multi-valued field (check boxes) holds value.
func (f *form) Checked(name, value string) bool { return slices.Contains(f.Values[name], value) }

func (f *form) ok() bool { return len(f.Errors) == 0 && f.Error == "" }

// fieldError sets a field's message unless it already has one: the first
// fault found is the one to fix first.
func (f *form) fieldError(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// take puts a domain error on the form: an invalid field next to the field,
// a refused action at the top. Any other error is returned for the error
// page.
func (f *form) take(c *call, err error) error {
	if err == nil {
		return nil
	}
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	switch {
	case e.Code == apperr.Invalid && e.Field != "":
		f.fieldError(e.Field, c.errText(e))
	case e.Code == apperr.Invalid || e.Code == apperr.Conflict:
		f.Error = c.errText(e)
	default:
		return err
	}
	return nil
}

// apply runs a form's change in one transaction, unless the form already
// has faults, and puts a refused change's messages on the form. It returns
// an error only for what the error page answers.
func (c *call) apply(f *form, change func(ctx context.Context, tx *store.Tx) error) error {
	if !f.ok() {
		return nil
	}
	ctx := c.r.Context()
	return f.take(c, c.h.app.DB.InTx(ctx, func(tx *store.Tx) error { return change(ctx, tx) }))
}

// done ends a form that succeeded: a message for the next page, and a
// redirect to it, so that reloading it does not submit the form again.
func (c *call) done(flashKey, target string, arg ...string) error {
	c.setFlash(flashKey, false, arg...)
	c.redirect(target)
	return nil
}

// option is one choice of a select or a group of check boxes; Label is
// already in the user's language.
type option struct {
	Value, Label string
}

// fieldView is what the field partials render: a label bound to its input,
// the value, and the message next to it.
type fieldView struct {
	F        *form
	Name     string
	Label    string // message key
	Type     string
	Hint     string // message key
	Blank    string // message key of a first, empty choice of a select
	Auto     string // autocomplete
	Required bool
	Options  []option
}

// fld builds a fieldView in a template. Options are words: "required",
// "password", "hint:KEY", "blank:KEY", "auto:TOKEN", or any other input type.
func fld(f *form, name, label string, opts ...string) *fieldView {
	v := &fieldView{F: f, Name: name, Label: label, Type: "text"}
	for _, o := range opts {
		switch {
		case o == "required":
			v.Required = true
		case strings.HasPrefix(o, "hint:"):
			v.Hint = o[len("hint:"):]
		case strings.HasPrefix(o, "blank:"):
			v.Blank = o[len("blank:"):]
		case strings.HasPrefix(o, "auto:"):
			v.Auto = o[len("auto:"):]
		default:
			v.Type = o
		}
	}
	return v
}

// With sets the choices of a select or check-box field.
func (v *fieldView) With(options []option) *fieldView {
	v.Options = options
	return v
}

// ID is the input's id, which its label and message refer to.
func (v *fieldView) ID() string { return "f-" + v.Name }

// pager is one page of a list and the links to its neighbours.
type pager struct {
	Page, Pages, Total int
	// More says the list holds more than Total rows (and Pages pages): it
	// was counted only that far.
	More       bool
	Prev, Next string
}

const pageSize = 20

// pageOf reads the page number of a list request and returns it with the
// row offset it starts at.
func pageOf(r *http.Request) (page, offset int) {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	return page, (page - 1) * pageSize
}

// newPager links the neighbours of a page, keeping the request's filters.
func newPager(r *http.Request, page, total int) pager {
	p := pager{Page: page, Total: total, Pages: max(1, (total+pageSize-1)/pageSize)}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// newPagerAtLeast is newPager for a list counted only up to a cap: with
// more, total is a lower bound, and a full page links the next one.
func newPagerAtLeast(r *http.Request, page, total int, more bool, rows int) pager {
	if !more {
		return newPager(r, page, total)
	}
	p := newPager(r, page, max(total, (page-1)*pageSize+rows))
	p.More = true
	if p.Prev != "" {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page-1))
		p.Prev = r.URL.Path + "?" + q.Encode()
	}
	if rows == pageSize {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		p.Next = r.URL.Path + "?" + q.Encode()
	}
	return p
}
