package openapi

import (
	"encoding/json"
	"testing"
	"testing/fstest"
)

// The pieces merge into one valid document.
func TestDocumentMerges(t *testing.T) {
	var doc struct {
		OpenAPI string                     `json:"openapi"`
		Paths   map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(JSON, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI == "" || len(doc.Paths) == 0 {
		t.Fatalf("merged document lacks openapi or paths: %q, %d paths", doc.OpenAPI, len(doc.Paths))
	}
}

// A piece that defines an operation, schema or tag the document already has
// is refused with the piece's name.
func TestMergeRefusesDuplicates(t *testing.T) {
	frameDoc := []byte(`{"openapi":"3.1.0","tags":[{"name":"A"}],"paths":{"/x":{"get":{"operationId":"X"}}},"components":{"schemas":{"S":{}}}}`)
	for name, part := range map[string]string{
		"operation": `{"paths":{"/x":{"get":{"operationId":"Y"}}}}`,
		"schema":    `{"components":{"schemas":{"S":{}}}}`,
		"tag":       `{"tags":[{"name":"A"}]}`,
	} {
		_, err := Merge(frameDoc, fstest.MapFS{"parts/p.json": {Data: []byte(part)}})
		if err == nil {
			t.Errorf("%s defined twice was merged", name)
		}
	}
	out, err := Merge(frameDoc, fstest.MapFS{"parts/p.json": {Data: []byte(`{"paths":{"/x":{"post":{"operationId":"Z"}}},"tags":[{"name":"B"}]}`)}})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tags  []struct{ Name string }
		Paths map[string]map[string]struct{ OperationID string }
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tags) != 2 || doc.Paths["/x"]["post"].OperationID != "Z" || doc.Paths["/x"]["get"].OperationID != "X" {
		t.Fatalf("merged: %+v", doc)
	}
}
