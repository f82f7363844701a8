package api

import (
	"sync"

	"partnercenter/openapi"
)

// accessRoutes are the API operations of this file's extension.
var accessRoutes = []Route{}

// Operation is an API operation as the console offers it in a key's scope.
type Operation struct {
	ID  string // the operation id, what a scope lists
	Tag string // the API document's group of the operation
}

// Operations lists every operation of the API with its group in the API
// document, in the route table's order.
func Operations() []Operation {
	tags := operationTags()
	out := make([]Operation, 0, len(routes))
	for _, rt := range routes {
		out = append(out, Operation{ID: rt.OperationID, Tag: tags[rt.OperationID]})
	}
	return out
}

// OperationIDs lists the ids of every operation, what a scope may name.
func OperationIDs() []string {
	out := make([]string, 0, len(routes))
	for _, rt := range routes {
		out = append(out, rt.OperationID)
	}
	return out
}

// operationTags maps each operation id to its first tag in the API
// document, read once.
var operationTags = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	d, err := parseDocument(openapi.JSON)
	if err != nil {
		return out
	}
	for _, methods := range d.Paths {
		for _, op := range methods {
			if len(op.Tags) > 0 {
				out[op.OperationID] = op.Tags[0]
			}
		}
	}
	return out
})
