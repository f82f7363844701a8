package customer

import (
	"context"
	"strings"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// Freeze stops a resale customer from buying, renewing or changing resources
// (mode FrozenAccount) or also stops its resources (FrozenAccountAndResource).
// A referral customer pays the provider itself and is not the partner's to
// freeze.
func Freeze(ctx context.Context, tx *store.Tx, partnerID, customerID string, mode int, reason string) (before, after *Customer, err error) {
	reason = strings.TrimSpace(reason)
	if mode != FrozenAccount && mode != FrozenAccountAndResource {
		return nil, nil, apperr.Field("mode", "customer.freeze_mode_invalid", "choose what to freeze: the account, or the account and its resources")
	}
	if reason == "" || len([]rune(reason)) > 200 {
		return nil, nil, apperr.Field("reason", "customer.freeze_reason_required", "a reason of at most 200 characters is required")
	}
	c, err := getForUpdate(ctx, tx, partnerID, customerID)
	if err != nil {
		return nil, nil, err
	}
	if c.AssociationType != Resale {
		return nil, nil, apperr.New(apperr.Conflict, "customer.freeze_referral", "only resale customers can be frozen")
	}
	if c.Frozen != NotFrozen {
		return nil, nil, apperr.New(apperr.Conflict, "customer.already_frozen", "the customer is already frozen")
	}
	return setFrozen(ctx, tx, c, mode, reason)
}

// Unfreeze lifts a freeze; the reason is recorded in the audit log.
func Unfreeze(ctx context.Context, tx *store.Tx, partnerID, customerID, reason string) (before, after *Customer, err error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 200 {
		return nil, nil, apperr.Field("reason", "customer.freeze_reason_required", "a reason of at most 200 characters is required")
	}
	c, err := getForUpdate(ctx, tx, partnerID, customerID)
	if err != nil {
		return nil, nil, err
	}
	if c.Frozen == NotFrozen {
		return nil, nil, apperr.New(apperr.Conflict, "customer.not_frozen", "the customer is not frozen")
	}
	return setFrozen(ctx, tx, c, NotFrozen, reason)
}

func setFrozen(ctx context.Context, tx *store.Tx, c *Customer, mode int, reason string) (before, after *Customer, err error) {
	stored := reason
	if mode == NotFrozen {
		stored = ""
	}
	if _, err := tx.ExecContext(ctx, `UPDATE customers SET frozen = ?, frozen_reason = ? WHERE id = ?`, mode, stored, c.ID); err != nil {
		return nil, nil, err
	}
	after = &Customer{}
	*after = *c
	after.Frozen, after.FrozenReason = mode, stored
	for _, hook := range freezeHooks {
		if err := hook(ctx, tx, c.ID, c.Frozen, mode); err != nil {
			return nil, nil, err
		}
	}
	if mode != NotFrozen {
		err := webhook.Emit(ctx, tx, c.PartnerID, webhook.CustomerFrozen, map[string]any{"customer_id": c.ID, "domain_name": c.DomainName,
			"freeze_mode": mode, "reason": reason, "frozen_at": webhook.Time(tx.Now)})
		if err != nil {
			return nil, nil, err
		}
	}
	return c, after, nil
}

// FreezeHook lets another capability follow a customer's freeze state in the
// same transaction (the cloud stops and restarts the customer's resources
// when the mode includes them).
type FreezeHook func(ctx context.Context, tx *store.Tx, customerID string, from, to int) error

var freezeHooks []FreezeHook

// RegisterFreezeHook adds a hook; call it from an init function.
func RegisterFreezeHook(h FreezeHook) { freezeHooks = append(freezeHooks, h) }

// CanTrade reports why a customer may not be given new orders, renewals or
// changes, or nil when it may.
func (c *Customer) CanTrade() error {
	if c.Frozen != NotFrozen {
		return apperr.New(apperr.Conflict, "customer.frozen", "the customer is frozen")
	}
	return nil
}
