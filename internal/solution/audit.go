package solution

import (
	"context"

	"partnercenter/internal/audit"
	"partnercenter/internal/store"
)

// The audit log's entries of a partner's changes, the same whether the
// console or the API made them: the action (solution.create, .update,
// .submit, .attach, .detach), the solution's name and status, and for a
// material its kind and file.

// AuditChange records a change of a solution; before is nil for a creation.
func AuditChange(ctx context.Context, tx *store.Tx, action string, before, after *Solution) error {
	ch := audit.Change{PartnerID: after.PartnerID, Action: action, ObjectType: "solution", ObjectID: after.ID,
		After: map[string]any{"name": after.Name, "status": after.Status}}
	if before != nil {
		ch.Before = map[string]any{"name": before.Name, "status": before.Status}
	}
	return audit.Record(ctx, tx, ch)
}

// AuditFile records a material attached to or removed from a solution.
func AuditFile(ctx context.Context, tx *store.Tx, action string, s *Solution, f *File) error {
	return audit.Record(ctx, tx, audit.Change{PartnerID: s.PartnerID, Action: action, ObjectType: "solution", ObjectID: s.ID,
		After: map[string]any{"name": s.Name, "kind": f.Kind, "file": f.Name, "upload_id": f.UploadID}})
}
