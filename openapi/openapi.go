// Package openapi holds the API document, the source of truth for the shape
// of the partner API (OpenAPI 3.1), embedded so that the binary serves it
// without files beside it.
//
// The document is written in pieces: openapi.json holds the document's frame
// (info, security, shared components, the BSS-compatible operations and the
// error codes) and each file in parts/ holds one group of extension
// operations with the tags, schemas and error codes they add. JSON is the
// whole document, the pieces merged; a name defined twice is a build fault
// that Merge reports and the package's test catches.
package openapi

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
)

//go:embed openapi.json
var frame []byte

//go:embed parts/*.json
var parts embed.FS

// JSON is the whole API document.
var JSON = mustMerge()

func mustMerge() []byte {
	b, err := Merge(frame, parts)
	if err != nil {
		panic(err)
	}
	return b
}

// piece is what a part may add to the document.
type piece struct {
	Tags       []json.RawMessage                     `json:"tags"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
	ErrorCodes []json.RawMessage                     `json:"x-error-codes"`
}

// Merge adds every parts/*.json of fsys to the frame document, in file-name
// order. A path's method, component or tag defined twice is an error.
func Merge(frameJSON []byte, fsys fs.FS) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(frameJSON, &doc); err != nil {
		return nil, fmt.Errorf("openapi: openapi.json: %w", err)
	}
	var whole piece
	if err := json.Unmarshal(frameJSON, &whole); err != nil {
		return nil, fmt.Errorf("openapi: openapi.json: %w", err)
	}
	tagNames := map[string]bool{}
	for _, t := range whole.Tags {
		tagNames[tagName(t)] = true
	}
	names, err := fs.Glob(fsys, "parts/*.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var p piece
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", name, err)
		}
		for _, t := range p.Tags {
			if n := tagName(t); tagNames[n] {
				return nil, fmt.Errorf("openapi: %s: tag %q is defined twice", name, n)
			} else {
				tagNames[n] = true
			}
			whole.Tags = append(whole.Tags, t)
		}
		for path, methods := range p.Paths {
			if whole.Paths == nil {
				whole.Paths = map[string]map[string]json.RawMessage{}
			}
			if whole.Paths[path] == nil {
				whole.Paths[path] = map[string]json.RawMessage{}
			}
			for method, op := range methods {
				if _, dup := whole.Paths[path][method]; dup {
					return nil, fmt.Errorf("openapi: %s: %s %s is defined twice", name, method, path)
				}
				whole.Paths[path][method] = op
			}
		}
		for kind, defs := range p.Components {
			if whole.Components == nil {
				whole.Components = map[string]map[string]json.RawMessage{}
			}
			if whole.Components[kind] == nil {
				whole.Components[kind] = map[string]json.RawMessage{}
			}
			for n, def := range defs {
				if _, dup := whole.Components[kind][n]; dup {
					return nil, fmt.Errorf("openapi: %s: components.%s.%s is defined twice", name, kind, n)
				}
				whole.Components[kind][n] = def
			}
		}
		whole.ErrorCodes = append(whole.ErrorCodes, p.ErrorCodes...)
	}
	set := func(key string, v any) error {
		b, err := json.Marshal(v)
		doc[key] = b
		return err
	}
	for key, v := range map[string]any{"tags": whole.Tags, "paths": whole.Paths, "components": whole.Components, "x-error-codes": whole.ErrorCodes} {
		if err := set(key, v); err != nil {
			return nil, err
		}
	}
	// Field order of the frame is kept for the top level; encoding/json
	// writes map keys sorted, which is what readers of the document expect
	// of paths and schemas anyway.
	out, err := json.Marshal(orderedTop(doc))
	if err != nil {
		return nil, err
	}
	return out, nil
}

func tagName(raw json.RawMessage) string {
	var t struct{ Name string }
	_ = json.Unmarshal(raw, &t)
	return t.Name
}

// orderedTop writes the top-level members in the order OpenAPI documents
// conventionally use.
type orderedTop map[string]json.RawMessage

func (o orderedTop) MarshalJSON() ([]byte, error) {
	order := []string{"openapi", "info", "servers", "security", "tags", "paths", "components", "x-error-codes"}
	for k := range o {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	buf := []byte{'{'}
	first := true
	for _, k := range order {
		v, ok := o[k]
		if !ok {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		kb, _ := json.Marshal(k)
		buf = append(buf, kb...)
		buf = append(buf, ':')
		buf = append(buf, v...)
	}
	return append(buf, '}'), nil
}
