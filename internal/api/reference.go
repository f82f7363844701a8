package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"partnercenter/openapi"
)

// The API document served as it is, and a reference page rendered from it on
// the server: what a partner's developer reads, with no script and nothing
// fetched from elsewhere.

func serveDocument(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openapi.JSON)
}

// document is the part of an OpenAPI 3.1 document the reference page and the
// route check read.
type document struct {
	Info struct {
		Title, Version, Summary, Description string
	}
	Paths      map[string]map[string]*operation
	Components struct {
		Schemas         map[string]*schema
		Parameters      map[string]*parameter
		Responses       map[string]*response
		SecuritySchemes map[string]struct{ Name, Description string }
	}
	ErrorCodes []struct {
		Code    string
		Status  int
		Meaning string
	} `json:"x-error-codes"`
	// Differences are the deliberate differences from the provider's API.
	Differences []struct{ Topic, Difference string } `json:"x-differences"`
}

type operation struct {
	OperationID string
	Tags        []string
	Summary     string
	Description string
	Parameters  []*parameter
	RequestBody *struct {
		Content map[string]mediaType
	}
	Responses map[string]*response
}

// mediaType is a body's schema and the example the document gives of it.
type mediaType struct {
	Schema  *schema
	Example json.RawMessage
}

type parameter struct {
	Ref         string `json:"$ref"`
	Name, In    string
	Description string
	Required    bool
	Schema      *schema
}

type response struct {
	Ref         string `json:"$ref"`
	Description string
	Content     map[string]mediaType
}

type schema struct {
	Ref                  string `json:"$ref"`
	Type                 any    // a name, or a list of names
	Format, Description  string
	Pattern              string
	Properties           json.RawMessage
	Required             []string
	Items                *schema
	MinLength, MaxLength *int
	Minimum, Maximum     *float64
	Default              any
}

func parseDocument(b []byte) (*document, error) {
	var d document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	return &d, nil
}

func (d *document) schemaRef(s *schema) *schema {
	for s != nil && s.Ref != "" {
		s = d.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	return s
}

func (d *document) parameterRef(p *parameter) *parameter {
	if p != nil && p.Ref != "" {
		return d.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
	}
	return p
}

func (d *document) responseRef(r *response) *response {
	if r != nil && r.Ref != "" {
		return d.Components.Responses[strings.TrimPrefix(r.Ref, "#/components/responses/")]
	}
	return r
}

// field is one row of a request or response table.
type field struct {
	Name, Type, Rules, Description string
	Required                       bool
}

// fields flattens a schema into rows, nested names joined with dots and
// arrays marked with [], properties in the document's order.
func (d *document) fields(prefix string, s *schema, out []field) []field {
	s = d.schemaRef(s)
	if s == nil {
		return out
	}
	var props map[string]*schema
	_ = json.Unmarshal(s.Properties, &props)
	for _, name := range objectKeys(s.Properties) {
		p := d.schemaRef(props[name])
		if p == nil {
			continue
		}
		out = append(out, field{Name: prefix + name, Type: typeName(p, d), Rules: rules(p),
			Description: p.Description, Required: slices.Contains(s.Required, name)})
		switch {
		case p.Items != nil:
			out = d.fields(prefix+name+"[].", p.Items, out)
		case len(p.Properties) > 0:
			out = d.fields(prefix+name+".", p, out)
		}
	}
	return out
}

// objectKeys lists a JSON object's keys in the order written.
func objectKeys(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

func typeName(s *schema, d *document) string {
	var names []string
	switch t := s.Type.(type) {
	case string:
		names = []string{t}
	case []any:
		for _, n := range t {
			if n, ok := n.(string); ok && n != "null" {
				names = append(names, n)
			}
		}
	}
	name := strings.Join(names, " | ")
	if name == "array" && s.Items != nil {
		if s.Items.Ref != "" {
			return "array of " + s.Items.Ref[strings.LastIndexByte(s.Items.Ref, '/')+1:]
		}
		return "array of " + typeName(s.Items, d)
	}
	if s.Format != "" {
		name += " (" + s.Format + ")"
	}
	return name
}

func rules(s *schema) string {
	var r []string
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	if s.MinLength != nil {
		r = append(r, fmt.Sprintf("at least %d characters", *s.MinLength))
	}
	if s.MaxLength != nil {
		r = append(r, fmt.Sprintf("at most %d characters", *s.MaxLength))
	}
	if s.Minimum != nil && s.Maximum != nil {
		r = append(r, num(*s.Minimum)+" to "+num(*s.Maximum))
	}
	if s.Default != nil {
		r = append(r, fmt.Sprintf("default %v", s.Default))
	}
	if s.Pattern != "" {
		r = append(r, "pattern "+s.Pattern)
	}
	return strings.Join(r, "; ")
}

// refOperation is one operation as the reference page shows it.
type refOperation struct {
	Method, Path, OperationID, Summary, Description string
	Headers, Request, Response                      []field
	Errors                                          []refResponse
	// RequestExample and ResponseExample are the document's examples,
	// indented for reading.
	RequestExample, ResponseExample string
}

type refResponse struct{ Status, Description string }

// menu is one entry of the console's navigation, under which the reference
// lists the operations that serve its pages, so that a developer finds an
// operation where a console user finds the page.
type menu struct {
	ID, Zh, En string
}

// menus are the console's navigation entries in the order the top
// navigation shows them (销售, 交付, 解决方案构建, 服务支持), then a group for
// tags no entry claims.
var menus = []menu{
	{"sales-customers", "销售 > 客户", "Sales > Customers"},
	{"sales-business", "销售 > 客户业务", "Sales > Customer business"},
	{"sales-accounts", "销售 > 账务", "Sales > Accounts"},
	{"sales-opportunities", "销售 > 机会点管理", "Sales > Opportunities"},
	{"sales-incentives", "销售 > 激励管理", "Sales > Incentives"},
	{"delivery", "交付 > 项目交付评价", "Delivery > Project delivery evaluation"},
	{"solutions", "解决方案构建", "Solution building"},
	{"openness", "服务支持 > 能力开放", "Service support > Capability openness"},
	{otherMenu, "其他", "Other"},
}

// otherMenu collects the operations whose tag menuOfTag does not know; the
// reference test fails while it holds any.
const otherMenu = "other"

// menuOfTag maps each tag of the API document to its console menu: the one
// table to extend when a group of operations gets a new tag.
var menuOfTag = map[string]string{
	"Customers":             "sales-customers",
	"Coupons":               "sales-business",
	"Orders":                "sales-business",
	"Bills":                 "sales-business",
	"Funds":                 "sales-accounts",
	"Invoices":              "sales-accounts",
	"Opportunities":         "sales-opportunities",
	"Incentives":            "sales-incentives",
	"Delivery":              "delivery",
	"DeliveryEvaluation":    "delivery",
	"Solutions":             "solutions",
	"Configurators":         "solutions",
	"SolutionConfigurators": "solutions",
	"Access":                "openness",
	"Webhooks":              "openness",
	"Callbacks":             "openness",
}

// refGroup is one menu's operations on the reference page.
type refGroup struct {
	menu
	Operations []refOperation
}

type reference struct {
	Doc    *document
	Groups []refGroup
}

// example indents a document example for the page; an absent one is "".
func example(raw json.RawMessage) string {
	var b bytes.Buffer
	if len(raw) == 0 || json.Indent(&b, raw, "", "  ") != nil {
		return ""
	}
	return b.String()
}

// menuOf is the console menu of an operation, by its first tag.
func menuOf(op *operation) string {
	if len(op.Tags) > 0 {
		if m, ok := menuOfTag[op.Tags[0]]; ok {
			return m
		}
	}
	return otherMenu
}

func buildReference(d *document) *reference {
	ref := &reference{Doc: d}
	byMenu := map[string][]refOperation{}
	for path, methods := range d.Paths {
		for method, op := range methods {
			ro := refOperation{Method: strings.ToUpper(method), Path: path, OperationID: op.OperationID,
				Summary: op.Summary, Description: op.Description}
			for _, p := range op.Parameters {
				if p = d.parameterRef(p); p != nil {
					ro.Headers = append(ro.Headers, field{Name: p.Name, Type: p.In + " " + typeName(p.Schema, d),
						Rules: rules(p.Schema), Description: p.Description, Required: p.Required})
				}
			}
			if op.RequestBody != nil {
				body := op.RequestBody.Content["application/json"]
				ro.Request = d.fields("", body.Schema, nil)
				ro.RequestExample = example(body.Example)
			}
			for _, status := range slices.Sorted(maps.Keys(op.Responses)) {
				resp := d.responseRef(op.Responses[status])
				if resp == nil {
					continue
				}
				if strings.HasPrefix(status, "2") {
					body := resp.Content["application/json"]
					ro.Response = d.fields("", body.Schema, ro.Response)
					if ro.ResponseExample == "" {
						ro.ResponseExample = example(body.Example)
					}
				} else {
					ro.Errors = append(ro.Errors, refResponse{status, resp.Description})
				}
			}
			m := menuOf(op)
			byMenu[m] = append(byMenu[m], ro)
		}
	}
	for _, m := range menus {
		ops := byMenu[m.ID]
		if len(ops) == 0 {
			continue
		}
		slices.SortFunc(ops, func(a, b refOperation) int {
			return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method)
		})
		ref.Groups = append(ref.Groups, refGroup{menu: m, Operations: ops})
	}
	return ref
}

var loadReference = sync.OnceValues(func() (*reference, error) {
	d, err := parseDocument(openapi.JSON)
	if err != nil {
		return nil, err
	}
	return buildReference(d), nil
})

func (s *service) serveReference(w http.ResponseWriter, r *http.Request) {
	ref, err := loadReference()
	var buf bytes.Buffer
	if err == nil {
		err = referencePage.Execute(&buf, ref)
	}
	if err != nil {
		s.app.Log.Error("api: rendering the reference page", "err", err)
		http.Error(w, "the API reference could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = buf.WriteTo(w)
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// prose renders a description: paragraphs, and `code` in backticks.
func prose(s string) template.HTML {
	var b strings.Builder
	for para := range strings.SplitSeq(s, "\n\n") {
		esc := template.HTMLEscapeString(strings.TrimSpace(para))
		b.WriteString("<p>" + codeSpan.ReplaceAllString(esc, "<code>$1</code>") + "</p>\n")
	}
	return template.HTML(b.String())
}

var referencePage = template.Must(template.New("reference").Funcs(template.FuncMap{"prose": prose}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Doc.Info.Title}} reference</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 2rem; color: #1f2328; }
h1, h2, h3 { line-height: 1.25; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2.5rem; }
code { font: 13px ui-monospace, monospace; background: #f6f8fa; padding: .1rem .3rem; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .35rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
.method { display: inline-block; min-width: 4rem; font-weight: 600; color: #fff; background: #0969da; border-radius: 4px; text-align: center; padding: 0 .4rem; }
.toc > li { margin-top: .4rem; }
.toc ul { columns: 2; }
pre { background: #f6f8fa; padding: .6rem .8rem; border-radius: 4px; overflow-x: auto; }
pre code { padding: 0; background: none; }
h3 { margin-top: 2rem; }
</style>
</head>
<body>
<h1>{{.Doc.Info.Title}} <small>{{.Doc.Info.Version}}</small></h1>
<p>{{.Doc.Info.Summary}}</p>
{{prose .Doc.Info.Description}}
<p>The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<h2 id="authentication">Authentication</h2>
{{range .Doc.Components.SecuritySchemes}}<p>Header <code>{{.Name}}</code>:</p>{{prose .Description}}{{end}}
<nav aria-label="Operations"><h2 id="contents">Operations by console menu <span lang="zh-CN">按控制台菜单</span></h2>
<ul class="toc">
{{range .Groups}}<li><a href="#{{.ID}}"><span lang="zh-CN">{{.Zh}}</span> ({{.En}})</a>
<ul>{{range .Operations}}<li><a href="#{{.OperationID}}">{{.OperationID}}</a>: {{.Summary}}</li>
{{end}}</ul></li>
{{end}}<li><a href="#differences">Differences from the provider's API <span lang="zh-CN">与服务商 API 的差异</span></a></li>
<li><a href="#errors">Error codes <span lang="zh-CN">错误码</span></a></li>
</ul></nav>
{{range .Groups}}
<section id="{{.ID}}" class="group">
<h2><span lang="zh-CN">{{.Zh}}</span> ({{.En}})</h2>
{{range .Operations}}
<section id="{{.OperationID}}" class="operation">
<h3>{{.OperationID}}</h3>
<p><span class="method">{{.Method}}</span> <code>{{.Path}}</code></p>
<p><strong>{{.Summary}}</strong></p>
{{prose .Description}}
{{if .Headers}}<h4>Headers and parameters</h4>{{template "fields" .Headers}}{{end}}
{{if .Request}}<h4>Request body (JSON)</h4>{{template "fields" .Request}}{{end}}
{{if .RequestExample}}<h4>Request example</h4><pre><code>{{.RequestExample}}</code></pre>{{end}}
{{if .Response}}<h4>Response body (JSON, 200)</h4>{{template "fields" .Response}}{{end}}
{{if .ResponseExample}}<h4>Response example (200)</h4><pre><code>{{.ResponseExample}}</code></pre>{{end}}
{{if .Errors}}<h4>Errors</h4>
<table><thead><tr><th scope="col">Status</th><th scope="col">When</th></tr></thead><tbody>
{{range .Errors}}<tr><td>{{.Status}}</td><td>{{.Description}}</td></tr>
{{end}}</tbody></table>{{end}}
</section>
{{end}}
</section>
{{end}}
<h2 id="differences">Differences from the provider's API <span lang="zh-CN">与服务商 API 的差异</span></h2>
<table><thead><tr><th scope="col">Topic</th><th scope="col">Difference</th></tr></thead><tbody>
{{range .Doc.Differences}}<tr><td>{{.Topic}}</td><td>{{prose .Difference}}</td></tr>
{{end}}</tbody></table>
<h2 id="errors">Error codes <span lang="zh-CN">错误码</span></h2>
<table><thead><tr><th scope="col">error_code</th><th scope="col">Status</th><th scope="col">Meaning</th></tr></thead><tbody>
{{range .Doc.ErrorCodes}}<tr><td><code>{{.Code}}</code></td><td>{{.Status}}</td><td>{{.Meaning}}</td></tr>
{{end}}</tbody></table>
</body>
</html>
{{define "fields"}}<table><thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Rules</th><th scope="col">Description</th></tr></thead><tbody>
{{range .}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{if .Required}}yes{{else}}no{{end}}</td><td>{{.Rules}}</td><td>{{.Description}}</td></tr>
{{end}}</tbody></table>{{end}}
`))
