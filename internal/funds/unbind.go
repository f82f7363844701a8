package funds

import (
	"context"
	"errors"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Unbinding rules.
const (
	UnbindLinkValidity = 7 * 24 * time.Hour
	// UnbindEvery: a customer may be the subject of one unbinding request
	// per three months.
	UnbindEveryMonths = 3
)

// Unbind request statuses.
const (
	UnbindPending   = "pending"
	UnbindCompleted = "completed"
)

// UnbindGuard may refuse an unbinding (for instance, while the customer has
// unpaid partner-paid orders); UnbindHook settles what the partner gave the
// customer besides money (for instance, reclaiming its coupons). Capability
// packages register them in init; both run inside the unbinding transaction.
type (
	UnbindGuard func(ctx context.Context, tx *store.Tx, partnerID, customerID string) error
	UnbindHook  func(ctx context.Context, tx *store.Tx, partnerID, customerID string) error
)

var (
	unbindGuards []UnbindGuard
	unbindHooks  []UnbindHook
)

// RegisterUnbindGuard adds a guard; call it from an init function.
func RegisterUnbindGuard(g UnbindGuard) { unbindGuards = append(unbindGuards, g) }

// RegisterUnbindHook adds a hook; call it from an init function.
func RegisterUnbindHook(h UnbindHook) { unbindHooks = append(unbindHooks, h) }

// UnbindRequest is a 解除关联 request.
type UnbindRequest struct {
	ID             string
	PartnerID      string
	CustomerID     string
	CustomerName   string
	Status         string
	RequestedAt    time.Time
	ExpiresAt      time.Time
	CompletedAt    time.Time
	ReturnedAmount int64
	TransID        string
}

var errMainOnly = apperr.New(apperr.Forbidden, "funds.unbind_main_only", "only the partner's main account can unbind a customer")

// RequestUnbind starts unbinding a customer: only the main account may, not
// while the customer is frozen or a guard refuses, and at most once per
// customer per three months. It returns the token of the link the customer
// opens to confirm.
func RequestUnbind(ctx context.Context, tx *store.Tx, p *auth.Principal, customerID string) (string, *UnbindRequest, error) {
	if p == nil || p.PartnerID == "" || (p.Kind == auth.KindPartner && !p.IsMain) {
		return "", nil, errMainOnly
	}
	c, err := customer.Get(ctx, tx, customer.PartnerScope(p.PartnerID), customerID)
	if err != nil {
		return "", nil, err
	}
	if c.Frozen != customer.NotFrozen {
		return "", nil, apperr.New(apperr.Conflict, "funds.unbind_frozen", "a frozen customer cannot be unbound; unfreeze it first")
	}
	var recent int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM unbind_requests WHERE customer_id = ? AND requested_at > ?`,
		c.ID, store.Micros(tx.Now.AddDate(0, -UnbindEveryMonths, 0))).Scan(&recent); err != nil {
		return "", nil, err
	}
	if recent > 0 {
		return "", nil, apperr.New(apperr.Conflict, "funds.unbind_too_often", "a customer can be unbound at most once every three months")
	}
	for _, g := range unbindGuards {
		if err := g(ctx, tx, p.PartnerID, c.ID); err != nil {
			return "", nil, err
		}
	}
	token := ids.Token(24)
	r := &UnbindRequest{ID: ids.New(), PartnerID: p.PartnerID, CustomerID: c.ID, CustomerName: c.DomainName, Status: UnbindPending,
		RequestedAt: tx.Now, ExpiresAt: tx.Now.Add(UnbindLinkValidity)}
	_, err = tx.ExecContext(ctx, `INSERT INTO unbind_requests (id, partner_id, customer_id, token_hash, status, requested_by, requested_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.PartnerID, r.CustomerID, auth.HashToken(token), r.Status, p.ActorID(),
		store.Micros(r.RequestedAt), store.Micros(r.ExpiresAt))
	if err != nil {
		return "", nil, err
	}
	return token, r, nil
}

var errUnbindLink = apperr.New(apperr.NotFound, "funds.unbind_link_invalid", "this link is not valid")

// GetUnbindByToken returns the request a confirmation link names.
func GetUnbindByToken(ctx context.Context, q store.Queryer, token string) (*UnbindRequest, error) {
	var r UnbindRequest
	var req, exp int64
	var done *int64
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT u.id, u.partner_id, u.customer_id, c.domain_name, u.status, u.requested_at, u.expires_at,
		u.completed_at, u.returned_amount, u.trans_id FROM unbind_requests u JOIN customers c ON c.id = u.customer_id WHERE u.token_hash = ?`,
		auth.HashToken(token)).Scan(&r.ID, &r.PartnerID, &r.CustomerID, &r.CustomerName, &r.Status, &req, &exp, &done, &r.ReturnedAmount, &r.TransID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnbindLink
	}
	if err != nil {
		return nil, err
	}
	r.RequestedAt, r.ExpiresAt = store.Time(req), store.Time(exp)
	if done != nil {
		r.CompletedAt = store.Time(*done)
	}
	return &r, nil
}

// ConfirmUnbind completes an unbinding the customer confirmed: the customer's
// whole remaining balance returns to the partner (BEUNBIND), the hooks
// settle the rest, and the customer becomes free, all in this transaction.
func ConfirmUnbind(ctx context.Context, tx *store.Tx, token string) (*UnbindRequest, error) {
	r, err := GetUnbindByToken(ctx, tx, token)
	if err != nil {
		return nil, err
	}
	if r.Status != UnbindPending {
		return nil, apperr.New(apperr.Conflict, "funds.unbind_done", "this unbinding has already been completed")
	}
	if !tx.Now.Before(r.ExpiresAt) {
		return nil, apperr.New(apperr.Conflict, "funds.unbind_expired", "this link has expired")
	}
	res, err := tx.ExecContext(ctx, `UPDATE unbind_requests SET status = ? WHERE id = ? AND status = ?`, UnbindCompleted, r.ID, UnbindPending)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, apperr.New(apperr.Conflict, "funds.unbind_done", "this unbinding has already been completed")
	}
	c, err := customer.Get(ctx, tx, customer.PartnerScope(r.PartnerID), r.CustomerID)
	if err != nil {
		return nil, apperr.New(apperr.Conflict, "funds.unbind_stale", "the customer is no longer associated with this partner")
	}
	if c.Frozen != customer.NotFrozen {
		return nil, apperr.New(apperr.Conflict, "funds.unbind_frozen", "a frozen customer cannot be unbound; unfreeze it first")
	}
	for _, g := range unbindGuards {
		if err := g(ctx, tx, r.PartnerID, c.ID); err != nil {
			return nil, err
		}
	}
	for _, h := range unbindHooks {
		if err := h(ctx, tx, r.PartnerID, c.ID); err != nil {
			return nil, err
		}
	}
	acct, err := ledger.Find(ctx, tx, ownerCustomer, c.ID, KindCustomer)
	if err != nil && !errors.Is(err, ledger.ErrAccountNotFound) {
		return nil, err
	}
	if acct != nil {
		// The whole balance goes back: hold the customer's and the
		// partner's accounts so that no allocation or reclaim changes the
		// balance between reading and moving it.
		recharge, credit, err := openPartnerAccounts(ctx, tx, r.PartnerID)
		if err != nil {
			return nil, err
		}
		locked, err := ledger.Lock(ctx, tx, acct.ID, recharge.ID, credit.ID)
		if err != nil {
			return nil, err
		}
		acct = locked[acct.ID]
	}
	if acct != nil && acct.Available() > 0 {
		result, err := adjust(ctx, tx, adjustment{partnerID: r.PartnerID, customerID: c.ID, customerName: c.DomainName, op: OpUnbind,
			amount: acct.Available(), operator: "customer", client: "unbind:" + r.ID},
			func(custAcct *ledger.Account) ([]ledger.Request, error) {
				return toPartner(ctx, tx, r.PartnerID, custAcct.ID, acct.Available(), TradeUnbind)
			})
		if err != nil {
			return nil, err
		}
		r.ReturnedAmount, r.TransID = result.Amount, result.TransID
	}
	if err := customer.Unassociate(ctx, tx, r.PartnerID, c.ID); err != nil {
		return nil, err
	}
	r.Status, r.CompletedAt = UnbindCompleted, tx.Now
	_, err = tx.ExecContext(ctx, `UPDATE unbind_requests SET completed_at = ?, returned_amount = ?, trans_id = ? WHERE id = ?`,
		store.Micros(tx.Now), r.ReturnedAmount, r.TransID, r.ID)
	return r, err
}
