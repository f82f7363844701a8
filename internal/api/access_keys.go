package api

import (
	"context"

	"partnercenter/internal/access"
	"partnercenter/internal/store"
)

// checkScope refuses an operation outside the calling key's scope.
func (c *Call) checkScope(rt Route) error {
	if c.key == nil || c.key.InScope(rt.OperationID) {
		return nil
	}
	return apiError("PC.0308", "api.out_of_scope", "Access denied: access key %s may not call %s; widen its scope on 接入配置", c.key.ID, rt.OperationID)
}

// refuseReplay refuses a mutation sent without an Idempotency-Key whose
// signature was seen before while its date is still accepted: an exact copy
// of a request, sent again by whoever captured it. Two identical mutations
// signed in the same second by the caller itself look the same; the API
// document tells callers to send an Idempotency-Key or sign afresh.
func (s *service) refuseReplay(c *Call) error {
	ctx := context.WithoutCancel(c.Request.Context())
	var fresh bool
	err := s.app.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		fresh, err = access.RecordSignature(ctx, tx, c.Principal.AccessKeyID, c.signature, c.signedAt.Add(s.cfg.DateSkew))
		return err
	})
	if err != nil {
		return err
	}
	if !fresh {
		return apiError("PC.0309", "api.replayed", "Incorrect IAM authentication information: this request was already received; retry with an Idempotency-Key or sign afresh")
	}
	return nil
}
