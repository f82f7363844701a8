package order

import (
	"context"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// Charging modes, as the provider names them.
const (
	ChargingPeriodic  = 1 // 包年/包月
	ChargingPayPerUse = 3 // 按需
)

// Resource statuses. The API reports them with different numbers for
// 包年/包月 and pay-per-use resources (see APIStatus).
const (
	ResourceActive = "active" // 使用中 / 正常
	ResourceGrace  = "grace"  // expired and kept for the retention period (已过期 / 宽限期)
	ResourceFrozen = "frozen" // 已冻结: stopped for arrears or by freezing the customer
	ResourceClosed = "closed" // 已关闭: released
)

// RetentionPeriod is how long an expired 包年/包月 resource is kept (and can
// still be renewed) before it is released.
const RetentionPeriod = 15 * 24 * time.Hour

// Resource is a customer's cloud resource.
type Resource struct {
	ID               string
	PartnerID        string
	CustomerID       string
	CustomerName     string
	Name             string
	ProductID        string
	ServiceTypeCode  string
	ResourceTypeCode string
	SpecCode         string
	SpecZh           string
	SpecEn           string
	RegionCode       string
	ChargingMode     int
	Quantity         int
	Status           string
	OrderID          string
	EffectiveAt      time.Time
	ExpiresAt        time.Time // 包年/包月 only
	AutoRenew        bool
	FrozenAt         time.Time
	ClosedAt         time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// APIStatus is the status number the API reports: for 包年/包月 resources
// 2 using, 3 closed, 4 frozen, 5 expired; for pay-per-use 1 normal,
// 3 frozen, 6 closed.
func (r *Resource) APIStatus() int {
	if r.ChargingMode == ChargingPayPerUse {
		switch r.Status {
		case ResourceFrozen:
			return 3
		case ResourceClosed:
			return 6
		case ResourceGrace:
			return 2
		}
		return 1
	}
	switch r.Status {
	case ResourceClosed:
		return 3
	case ResourceFrozen:
		return 4
	case ResourceGrace:
		return 5
	}
	return 2
}

// PeriodicStatusOf maps the API's 包年/包月 status numbers back (0 when unknown).
func PeriodicStatusOf(api int) string {
	return map[int]string{2: ResourceActive, 3: ResourceClosed, 4: ResourceFrozen, 5: ResourceGrace}[api]
}

// ErrResourceNotFound answers for a resource that does not exist or is not visible.
var ErrResourceNotFound = apperr.NotFoundf("order.resource_not_found", "the resource does not exist").WithAPICode("CBC.0101")

const resourceColumns = `r.id, r.partner_id, r.customer_id, c.domain_name, r.name, r.product_id, r.service_type_code, r.resource_type_code,
	r.spec_code, p.spec_zh, p.spec_en, r.region_code, r.charging_mode, r.quantity, r.status, r.order_id, r.effective_at,
	COALESCE(r.expires_at, 0), r.auto_renew, COALESCE(r.frozen_at, 0), COALESCE(r.closed_at, 0), r.created_at, r.updated_at`

const resourceFrom = ` FROM cloud_resources r JOIN customers c ON c.id = r.customer_id JOIN cloud_products p ON p.id = r.product_id`

func scanResource(row interface{ Scan(...any) error }) (*Resource, error) {
	var r Resource
	var eff, exp, frozen, closed, created, updated int64
	err := row.Scan(&r.ID, &r.PartnerID, &r.CustomerID, &r.CustomerName, &r.Name, &r.ProductID, &r.ServiceTypeCode, &r.ResourceTypeCode,
		&r.SpecCode, &r.SpecZh, &r.SpecEn, &r.RegionCode, &r.ChargingMode, &r.Quantity, &r.Status, &r.OrderID, &eff, &exp, &r.AutoRenew,
		&frozen, &closed, &created, &updated)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	r.EffectiveAt, r.ExpiresAt, r.FrozenAt, r.ClosedAt = store.Time(eff), store.Time(exp), store.Time(frozen), store.Time(closed)
	r.CreatedAt, r.UpdatedAt = store.Time(created), store.Time(updated)
	return &r, nil
}

// GetResource returns a resource whose customer is in scope.
func GetResource(ctx context.Context, q store.Queryer, scope customer.Scope, id string) (*Resource, error) {
	cond, args := scope.Condition(q)
	r, err := scanResource(q.QueryRowContext(ctx, `SELECT `+resourceColumns+resourceFrom+` WHERE r.id = ? AND r.partner_id = c.partner_id AND `+cond,
		append([]any{id}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrResourceNotFound
	}
	return r, err
}

// lockResource reads a resource of a partner for a change.
func lockResource(ctx context.Context, tx *store.Tx, partnerID, id string) (*Resource, error) {
	suffix := ""
	if tx.Dialect() == store.Postgres {
		suffix = " FOR UPDATE OF r"
	}
	r, err := scanResource(tx.QueryRowContext(ctx, `SELECT `+resourceColumns+resourceFrom+` WHERE r.id = ? AND r.partner_id = ? AND c.partner_id = r.partner_id`+suffix,
		id, partnerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrResourceNotFound
	}
	return r, err
}

// ResourceFilter selects resources for ListResources (the 查看资源 query conditions).
type ResourceFilter struct {
	Scope           customer.Scope
	CustomerID      string
	ChargingMode    int // 0: any
	ResourceIDs     []string
	Name            string // part of the name
	ServiceTypeCode string
	SpecCode        string
	RegionCode      string
	Statuses        []string
	OrderID         string
	ExpiresFrom     time.Time
	ExpiresTo       time.Time
	EffectiveFrom   time.Time // the API's effective-time range
	EffectiveTo     time.Time
	AutoRenew       *bool
	Offset, Limit   int
}

// ListResources returns a page of resources, newest first, and the total matching.
func ListResources(ctx context.Context, q store.Queryer, f ResourceFilter) ([]*Resource, int, error) {
	cond, args := f.Scope.Condition(q)
	where := []string{cond, "r.partner_id = c.partner_id"}
	add := func(c string, a ...any) { where, args = append(where, c), append(args, a...) }
	if f.CustomerID != "" {
		add("r.customer_id = ?", f.CustomerID)
	}
	if f.ChargingMode != 0 {
		add("r.charging_mode = ?", f.ChargingMode)
	}
	if len(f.ResourceIDs) > 0 {
		add("r.id IN ("+placeholders(len(f.ResourceIDs))+")", anys(f.ResourceIDs)...)
	}
	if s := strings.TrimSpace(f.Name); s != "" {
		add("LOWER(r.name) LIKE ?"+store.LikeEscape, store.LikeContains(strings.ToLower(s)))
	}
	if f.ServiceTypeCode != "" {
		add("r.service_type_code = ?", f.ServiceTypeCode)
	}
	if f.SpecCode != "" {
		add("r.spec_code = ?", f.SpecCode)
	}
	if f.RegionCode != "" {
		add("r.region_code = ?", f.RegionCode)
	}
	if len(f.Statuses) > 0 {
		add("r.status IN ("+placeholders(len(f.Statuses))+")", anys(f.Statuses)...)
	}
	if f.OrderID != "" {
		add("r.order_id = ?", f.OrderID)
	}
	if !f.ExpiresFrom.IsZero() {
		add("r.expires_at >= ?", store.Micros(f.ExpiresFrom))
	}
	if !f.ExpiresTo.IsZero() {
		add("r.expires_at <= ?", store.Micros(f.ExpiresTo))
	}
	if f.AutoRenew != nil {
		add("r.auto_renew = ?", *f.AutoRenew)
	}
	if !f.EffectiveFrom.IsZero() {
		add("r.effective_at >= ?", store.Micros(f.EffectiveFrom))
	}
	if !f.EffectiveTo.IsZero() {
		add("r.effective_at <= ?", store.Micros(f.EffectiveTo))
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+resourceFrom+` WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxPage {
		limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+resourceColumns+resourceFrom+` WHERE `+w+` ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Resource
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// insertResource creates a resource.
func insertResource(ctx context.Context, tx *store.Tx, r *Resource) error {
	now := store.Micros(tx.Now)
	if r.ID == "" {
		r.ID = ids.New()
	}
	r.CreatedAt, r.UpdatedAt = tx.Now, tx.Now
	_, err := tx.ExecContext(ctx, `INSERT INTO cloud_resources (id, partner_id, customer_id, name, product_id, service_type_code,
		resource_type_code, spec_code, region_code, charging_mode, quantity, status, order_id, effective_at, expires_at, auto_renew,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.PartnerID, r.CustomerID, r.Name, r.ProductID, r.ServiceTypeCode, r.ResourceTypeCode, r.SpecCode, r.RegionCode,
		r.ChargingMode, r.Quantity, r.Status, r.OrderID, store.Micros(r.EffectiveAt), store.NullMicros(r.ExpiresAt), r.AutoRenew, now, now)
	return err
}

// LaunchPayPerUse creates a pay-per-use resource for a customer, as the
// customer does in the cloud's own console; metering charges it by the hour
// from its effective time. Refused for customers that may not trade.
func LaunchPayPerUse(ctx context.Context, tx *store.Tx, partnerID, customerID, productID, region, name string, quantity int) (*Resource, error) {
	c, err := customer.Get(ctx, tx, customer.PartnerScope(partnerID), customerID)
	if err != nil {
		return nil, err
	}
	if err := c.CanTrade(); err != nil {
		return nil, err
	}
	p, err := catalogue.Get(ctx, tx, productID)
	if err != nil {
		return nil, err
	}
	if !p.OnSale {
		return nil, catalogue.ErrNotOnSale
	}
	if !p.PayPerUse() {
		return nil, apperr.Field("product_id", "order.not_pay_per_use", "the product is not sold pay-per-use")
	}
	if !p.SoldIn(region) {
		return nil, apperr.Field("region", "order.region_not_sold", "the product is not sold in this region")
	}
	if quantity < 1 || quantity > 100_000 {
		return nil, apperr.Field("quantity", "order.usage_quantity", "the size must be from 1 to 100000")
	}
	r := &Resource{PartnerID: partnerID, CustomerID: customerID, Name: resourceName(name, p), ProductID: p.ID,
		ServiceTypeCode: p.ServiceTypeCode, ResourceTypeCode: p.ResourceTypeCode, SpecCode: p.SpecCode, RegionCode: region,
		ChargingMode: ChargingPayPerUse, Quantity: quantity, Status: ResourceActive, EffectiveAt: tx.Now}
	return r, insertResource(ctx, tx, r)
}

func resourceName(name string, p *catalogue.Product) string {
	if s := strings.TrimSpace(name); s != "" {
		return s
	}
	short := p.ResourceTypeCode[strings.LastIndex(p.ResourceTypeCode, ".")+1:]
	return short + "-" + ids.Token(3)
}

// SetAutoRenew turns auto-renewal of a 包年/包月 resource on or off.
func SetAutoRenew(ctx context.Context, tx *store.Tx, partnerID, resourceID string, on bool) (*Resource, error) {
	r, err := lockResource(ctx, tx, partnerID, resourceID)
	if err != nil {
		return nil, err
	}
	if r.ChargingMode != ChargingPeriodic {
		return nil, apperr.New(apperr.Conflict, "order.auto_renew_periodic_only", "only yearly/monthly resources renew").WithAPICode("CBC.0100")
	}
	if r.Status == ResourceClosed {
		return nil, ErrResourceClosed
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET auto_renew = ?, updated_at = ? WHERE id = ?`, on, store.Micros(tx.Now), r.ID); err != nil {
		return nil, err
	}
	r.AutoRenew, r.UpdatedAt = on, tx.Now
	return r, nil
}

// ErrResourceClosed answers an action on a released resource.
var ErrResourceClosed = apperr.New(apperr.Conflict, "order.resource_closed", "the resource has been released").WithAPICode("CBC.0100")

// SetCustomerResourcesFrozen stops (or restarts) every live resource of a
// customer; metering calls it for arrears, and freezing a customer in mode
// ACCOUNT_AND_RESOURCE would too. It returns how many changed.
func SetCustomerResourcesFrozen(ctx context.Context, tx *store.Tx, customerID string, chargingMode int, frozen bool) (int, error) {
	from, to := ResourceActive, ResourceFrozen
	frozenAt := store.NullMicros(tx.Now)
	if !frozen {
		from, to, frozenAt = ResourceFrozen, ResourceActive, nil
	}
	rows, err := tx.QueryContext(ctx, `UPDATE cloud_resources SET status = ?, frozen_at = ?, updated_at = ?
		WHERE customer_id = ? AND charging_mode = ? AND status = ? RETURNING id, partner_id, name`,
		to, frozenAt, store.Micros(tx.Now), customerID, chargingMode, from)
	if err != nil {
		return 0, err
	}
	var events []webhook.PartnerEvent
	for rows.Next() {
		var id, partnerID, name string
		if err := rows.Scan(&id, &partnerID, &name); err != nil {
			rows.Close()
			return 0, err
		}
		events = append(events, webhook.PartnerEvent{PartnerID: partnerID, Event: webhook.Event{Type: webhook.ResourceFrozen,
			Data: map[string]any{"resource_id": id, "resource_name": name, "customer_id": customerID, "frozen_at": webhook.Time(tx.Now)}}})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if !frozen {
		// Only freezing is an event; a restart is not one partners asked for.
		return len(events), nil
	}
	return len(events), webhook.EmitBatch(ctx, tx, events)
}

func init() {
	// Freezing a customer in mode ACCOUNT_AND_RESOURCE stops all its
	// resources; lifting that freeze starts them again. (Arrears freeze
	// pay-per-use resources separately, in metering.)
	customer.RegisterFreezeHook(func(ctx context.Context, tx *store.Tx, customerID string, from, to int) error {
		stop := to == customer.FrozenAccountAndResource
		if !stop && from != customer.FrozenAccountAndResource {
			return nil
		}
		for _, mode := range []int{ChargingPeriodic, ChargingPayPerUse} {
			if _, err := SetCustomerResourcesFrozen(ctx, tx, customerID, mode, stop); err != nil {
				return err
			}
		}
		return nil
	})
}
