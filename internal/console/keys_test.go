package console

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/i18n"
)

// templateKeys finds the message keys templates name literally: {{t "key"}},
// (fld .Form "name" "key" ...) and the "hint:key"/"blank:key" options.
var templateKeys = []*regexp.Regexp{
	regexp.MustCompile(`[{(]\s*t\s+"([^"]+)"`),
	regexp.MustCompile(`\(fld\s+\S+\s+"[^"]*"\s+"([^"]+)"`),
	regexp.MustCompile(`"(?:hint|blank):([^"]+)"`),
}

// keyShaped is what a message id looks like in Go code.
var keyShaped = regexp.MustCompile(`^[a-z][a-z_]*(\.[a-z0-9_]+)+$`)

// TestEveryMessageKeyExists checks that every message the console can show
// has a text in both languages: keys in templates, key-shaped strings in the
// console's code, the keys of every domain error in internal/, and the keys
// built from values (types, stages, roles, audit actions).
func TestEveryMessageKeyExists(t *testing.T) {
	used := map[string]string{} // key → where it is used

	tmpls, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(tmpls) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, f := range tmpls {
		b, _ := fs.ReadFile(templateFS, f)
		for _, re := range templateKeys {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = f
			}
		}
	}

	namespaces := map[string]bool{}
	for _, k := range i18n.Keys() {
		namespaces[strings.SplitN(k, ".", 2)[0]] = true
	}
	eachGoFile(t, ".", func(path string, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			// Audit action codes look like keys; their labels are checked below.
			if keyShaped.MatchString(s) && namespaces[strings.SplitN(s, ".", 2)[0]] && !i18n.Has(actionKey(s)) {
				used[s] = path
			}
			return true
		})
	})

	eachGoFile(t, "..", func(path string, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			if key, ok := apperrKey(n); ok {
				used[key] = path
			}
			return true
		})
	})

	for _, v := range partner.Types {
		used[typeKey(v)] = "partner.Types"
	}
	for _, v := range partner.Stages {
		used[stageKey(v)] = "partner.Stages"
	}
	for _, r := range auth.PartnerRoles {
		used[partnerRoleKey(r)] = "auth.PartnerRoles"
	}
	for _, r := range auth.StaffRoles {
		used[staffRoleKey(r)] = "auth.StaffRoles"
	}
	for _, a := range knownActions {
		used[actionKey(a)] = "knownActions"
	}
	for _, e := range append(partnerMenu, staffMenu...) {
		used[e.Label] = "menu " + e.ID
	}

	if len(used) < 100 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(used))
	}
	for key, where := range used {
		for _, lang := range i18n.Langs {
			if s, ok := i18n.Text(lang, key); !ok || s == "" {
				t.Errorf("message %q (used in %s) has no %s text: add it to internal/platform/i18n/messages_*.go", key, where, lang)
			}
		}
	}
}

// apperrKey returns the key of an apperr.New/Field/NotFoundf call written
// with a literal key.
func apperrKey(n ast.Node) (string, bool) {
	call, ok := n.(*ast.CallExpr)
	if !ok {
		return "", false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "apperr" {
		return "", false
	}
	at := map[string]int{"New": 1, "Field": 1, "NotFoundf": 0}[sel.Sel.Name]
	if _, known := map[string]bool{"New": true, "Field": true, "NotFoundf": true}[sel.Sel.Name]; !known || len(call.Args) <= at {
		return "", false
	}
	lit, ok := call.Args[at].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	key, err := strconv.Unquote(lit.Value)
	return key, err == nil
}

// eachGoFile parses every non-test Go file below dir.
func eachGoFile(t *testing.T, dir string, fn func(path string, f *ast.File)) {
	t.Helper()
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		fn(path, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
