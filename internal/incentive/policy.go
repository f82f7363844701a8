package incentive

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// Policy is a rebate rate or a new-customer bonus (see the package doc).
type Policy struct {
	ID              string
	Kind            string
	ServiceTypeCode string // rebate only
	PartnerType     partner.Type
	RateBP          int   // rebate: basis points, 0..RateScale
	BonusFen        int64 // new_customer: fen per new customer
	AllowDiscount   bool  // the partner may grant its own discount on the service (ListIncentiveDiscountPolicies)
	ValidFrom       Month
	ValidTo         Month // 0: open-ended
	CreatedBy       string
	CreatedAt       time.Time
	UpdatedBy       string
	UpdatedAt       time.Time
}

// ValidIn reports whether the policy applies in month m.
func (p *Policy) ValidIn(m Month) bool {
	return p.ValidFrom <= m && (p.ValidTo == 0 || m <= p.ValidTo)
}

// PolicyInput is what the back office enters to create or edit a policy.
type PolicyInput struct {
	Kind            string
	ServiceTypeCode string
	PartnerType     partner.Type
	RateBP          int
	BonusFen        int64
	AllowDiscount   bool
	ValidFrom       Month
	ValidTo         Month
}

// ParseRate reads a percentage such as "2.5" or "2.5%" into basis points;
// more than two decimals or a value outside 0-100 % is refused.
func ParseRate(field, s string) (int, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	// A percentage with two decimals is exactly an amount in "fen" of percent.
	bp, err := money.Parse(s)
	if err != nil || bp < 0 || bp > RateScale {
		return 0, errRateRange(field)
	}
	return int(bp), nil
}

// FormatRate writes basis points as a percentage: 250 → "2.50%".
func FormatRate(bp int) string { return fmt.Sprintf("%d.%02d%%", bp/100, bp%100) }

func errRateRange(field string) *apperr.Error {
	return apperr.Field(field, "incentive.rate_range", "the rate must be a percentage from 0 to 100 with at most two decimals").WithAPICode("CBC.0100")
}

func validMonth(m Month) bool {
	return m.Year() >= 2000 && m.Year() <= 2999 && m.Num() >= 1 && m.Num() <= 12
}

// validate checks the input alone and against the catalogue.
func (in *PolicyInput) validate(ctx context.Context, q store.Queryer) error {
	in.ServiceTypeCode = strings.TrimSpace(in.ServiceTypeCode)
	if !in.PartnerType.Valid() {
		return apperr.Field("partner_type", "incentive.partner_type", "choose a partner type")
	}
	switch in.Kind {
	case KindRebate:
		if in.RateBP < 0 || in.RateBP > RateScale {
			return errRateRange("rate")
		}
		if in.ServiceTypeCode == "" {
			return apperr.Field("service_type_code", "incentive.service_type_required", "choose a product category")
		}
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM cloud_service_types WHERE code = ?`, in.ServiceTypeCode).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Field("service_type_code", "incentive.service_type_unknown", "the product category does not exist")
		}
		in.BonusFen = 0
	case KindNewCustomer:
		if in.BonusFen < 0 || in.BonusFen > money.MaxFen {
			return apperr.Field("bonus", "incentive.bonus_range", "the bonus must be an amount from 0")
		}
		in.ServiceTypeCode, in.RateBP, in.AllowDiscount = "", 0, false
	default:
		return apperr.Field("kind", "incentive.kind", "choose a rebate rate or a new-customer bonus")
	}
	if !validMonth(in.ValidFrom) {
		return apperr.Field("valid_from", "incentive.month_invalid", "enter a month such as 2026-12")
	}
	if in.ValidTo != 0 && (!validMonth(in.ValidTo) || in.ValidTo < in.ValidFrom) {
		return apperr.Field("valid_to", "incentive.valid_to", "the last month must not be before the first")
	}
	return nil
}

const policyColumns = `id, kind, service_type_code, partner_type, rate_bp, bonus_fen, allow_discount, valid_from, valid_to,
	created_by, created_at, updated_by, updated_at`

func scanPolicy(row interface{ Scan(...any) error }) (*Policy, error) {
	var p Policy
	var created, updated int64
	err := row.Scan(&p.ID, &p.Kind, &p.ServiceTypeCode, &p.PartnerType, &p.RateBP, &p.BonusFen, &p.AllowDiscount, &p.ValidFrom,
		&p.ValidTo, &p.CreatedBy, &created, &p.UpdatedBy, &updated)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	p.CreatedAt, p.UpdatedAt = store.Time(created), store.Time(updated)
	return &p, nil
}

// GetPolicy returns one policy.
func GetPolicy(ctx context.Context, q store.Queryer, id string) (*Policy, error) {
	p, err := scanPolicy(q.QueryRowContext(ctx, `SELECT `+policyColumns+` FROM incentive_policies WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrPolicyNotFound
	}
	return p, err
}

// lockPolicies serialises policy writes so that two overlapping policies
// cannot both pass the overlap check. SQLite has one writer already.
func lockPolicies(ctx context.Context, tx *store.Tx) error {
	if tx.Dialect() != store.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('incentive_policies'))`)
	return err
}

// overlapping refuses a validity that overlaps another policy of the same
// kind, service type and partner type.
func overlapping(ctx context.Context, tx *store.Tx, in *PolicyInput, exceptID string) error {
	to := in.ValidTo
	if to == 0 {
		to = 999912
	}
	var other string
	err := tx.QueryRowContext(ctx, `SELECT id FROM incentive_policies WHERE kind = ? AND service_type_code = ? AND partner_type = ?
		AND id <> ? AND valid_from <= ? AND (valid_to = 0 OR valid_to >= ?) LIMIT 1`,
		in.Kind, in.ServiceTypeCode, string(in.PartnerType), exceptID, int(to), int(in.ValidFrom)).Scan(&other)
	switch {
	case err == nil:
		return apperr.Field("valid_from", "incentive.overlap", "another policy for this category and partner type is valid in these months")
	case errors.Is(store.ScanErr(err), store.ErrNotFound):
		return nil
	}
	return err
}

// CreatePolicy adds a policy (provider back office).
func CreatePolicy(ctx context.Context, tx *store.Tx, in PolicyInput, by string) (*Policy, error) {
	if err := in.validate(ctx, tx); err != nil {
		return nil, err
	}
	if err := lockPolicies(ctx, tx); err != nil {
		return nil, err
	}
	if err := overlapping(ctx, tx, &in, ""); err != nil {
		return nil, err
	}
	p := &Policy{ID: ids.New(), CreatedBy: by, CreatedAt: tx.Now, UpdatedBy: by, UpdatedAt: tx.Now}
	p.set(in)
	_, err := tx.ExecContext(ctx, `INSERT INTO incentive_policies (`+policyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Kind, p.ServiceTypeCode, string(p.PartnerType), p.RateBP, p.BonusFen, p.AllowDiscount, int(p.ValidFrom), int(p.ValidTo),
		by, store.Micros(tx.Now), by, store.Micros(tx.Now))
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Policy) set(in PolicyInput) {
	p.Kind, p.ServiceTypeCode, p.PartnerType, p.RateBP, p.BonusFen = in.Kind, in.ServiceTypeCode, in.PartnerType, in.RateBP, in.BonusFen
	p.AllowDiscount, p.ValidFrom, p.ValidTo = in.AllowDiscount, in.ValidFrom, in.ValidTo
}

// UpdatePolicy edits a policy. Months already computed keep their details
// until they are recomputed (only while not confirmed).
func UpdatePolicy(ctx context.Context, tx *store.Tx, id string, in PolicyInput, by string) (before, after *Policy, err error) {
	if before, err = GetPolicy(ctx, tx, id); err != nil {
		return nil, nil, err
	}
	if err := in.validate(ctx, tx); err != nil {
		return nil, nil, err
	}
	if err := lockPolicies(ctx, tx); err != nil {
		return nil, nil, err
	}
	if err := overlapping(ctx, tx, &in, id); err != nil {
		return nil, nil, err
	}
	a := *before
	after = &a
	after.set(in)
	after.UpdatedBy, after.UpdatedAt = by, tx.Now
	_, err = tx.ExecContext(ctx, `UPDATE incentive_policies SET kind = ?, service_type_code = ?, partner_type = ?, rate_bp = ?, bonus_fen = ?,
		allow_discount = ?, valid_from = ?, valid_to = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
		after.Kind, after.ServiceTypeCode, string(after.PartnerType), after.RateBP, after.BonusFen, after.AllowDiscount,
		int(after.ValidFrom), int(after.ValidTo), by, store.Micros(tx.Now), id)
	return before, after, err
}

// DeletePolicy removes a policy.
func DeletePolicy(ctx context.Context, tx *store.Tx, id string) (*Policy, error) {
	p, err := GetPolicy(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM incentive_policies WHERE id = ?`, id)
	return p, err
}

// PolicyFilter selects policies; zero fields select all.
type PolicyFilter struct {
	Kind            string
	ServiceTypeCode string
	PartnerType     partner.Type
	ValidIn         Month // 0: any month
	Offset, Limit   int
}

// ListPolicies returns a page of policies by kind, category, partner type
// and first month, and the total.
func ListPolicies(ctx context.Context, q store.Queryer, f PolicyFilter) ([]*Policy, int, error) {
	where, args := []string{"1=1"}, []any{}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.ServiceTypeCode != "" {
		where, args = append(where, "service_type_code = ?"), append(args, f.ServiceTypeCode)
	}
	if f.PartnerType != "" {
		where, args = append(where, "partner_type = ?"), append(args, string(f.PartnerType))
	}
	if f.ValidIn != 0 {
		where, args = append(where, "valid_from <= ? AND (valid_to = 0 OR valid_to >= ?)"), append(args, int(f.ValidIn), int(f.ValidIn))
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM incentive_policies WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := q.QueryContext(ctx, `SELECT `+policyColumns+` FROM incentive_policies WHERE `+w+`
		ORDER BY kind DESC, service_type_code, partner_type, valid_from DESC, id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Policy
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}
