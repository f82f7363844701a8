package customer

import (
	"context"
	"time"

	"partnercenter/internal/store"
)

// New-customer tags (ListSubCustomerNewTag). A customer qualifies as a new
// customer of the SMB programme when its account was registered at most
// NewCustomerWindow before it was associated with the partner; the tag then
// applies for twelve months from the month of association. It reads
// UNDETERMINED until the customer's first paid consumption makes it Y (the
// consumption capability sets it); an account that does not qualify is N.
const (
	TagQualified    = "Y"
	TagNotNew       = "N"
	TagUndetermined = "UNDETERMINED"
	TagTypeSMB      = "SMB"
)

// NewCustomerWindow is how recent an account must be, at association, to count as new.
const NewCustomerWindow = 30 * 24 * time.Hour

// NewCustomerTag is one customer's tag.
type NewCustomerTag struct {
	CustomerID    string
	TagType       string
	Tag           string
	EffectiveFrom string // YYYY-MM
	ExpiresAt     string // YYYY-MM
}

// TagOf computes a customer's new-customer tag.
func TagOf(c *Customer) NewCustomerTag {
	t := NewCustomerTag{CustomerID: c.ID, TagType: TagTypeSMB, Tag: TagNotNew}
	if c.AssociatedAt.IsZero() {
		return t
	}
	if c.AssociatedAt.Sub(c.CreatedAt) <= NewCustomerWindow {
		t.Tag = TagUndetermined
	}
	start := time.Date(c.AssociatedAt.Year(), c.AssociatedAt.Month(), 1, 0, 0, 0, 0, time.UTC)
	t.EffectiveFrom = start.Format("2006-01")
	t.ExpiresAt = start.AddDate(1, 0, 0).Format("2006-01")
	return t
}

// NewCustomerTags returns the tags of the customers in scope, optionally only
// those named; ids of customers outside the scope are left out, as the API
// documents.
func NewCustomerTags(ctx context.Context, q store.Queryer, scope Scope, customerIDs []string, offset, limit int) ([]NewCustomerTag, int, error) {
	var cs []*Customer
	total := 0
	if len(customerIDs) == 0 {
		var err error
		cs, total, err = List(ctx, q, scope, Filter{Offset: offset, Limit: limit})
		if err != nil {
			return nil, 0, err
		}
	} else {
		for _, id := range customerIDs {
			c, err := Get(ctx, q, scope, id)
			if err == ErrNotFound {
				continue
			}
			if err != nil {
				return nil, 0, err
			}
			cs = append(cs, c)
		}
		total = len(cs)
		if offset >= len(cs) {
			cs = nil
		} else {
			cs = cs[offset:min(len(cs), offset+limit)]
		}
	}
	out := make([]NewCustomerTag, len(cs))
	for i, c := range cs {
		out[i] = TagOf(c)
	}
	return out, total, nil
}
