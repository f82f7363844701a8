package opportunity

import (
	"context"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Share statuses of an HO offered to a partner.
const (
	ShareOffered   = "offered"
	ShareAccepted  = "accepted"
	ShareRejected  = "rejected"
	ShareExpired   = "expired"
	ShareWithdrawn = "withdrawn" // another partner accepted first
)

// DefaultShareValidity is how long a partner has to answer an HO unless
// the provider says otherwise.
const DefaultShareValidity = 7 * 24 * time.Hour

// CreateHO records a provider-originated opportunity. It needs what a
// submitted PO needs except the partner's solution and consent; it is
// approved from the start (the provider is its source) and waits to be
// shared.
func CreateHO(ctx context.Context, tx *store.Tx, actor string, f Fields) (*Opportunity, error) {
	if err := f.limits(); err != nil {
		return nil, err
	}
	f.PartnerSolution, f.CustomerConsent = "-", true // not the provider's to give; they pass the check
	if missing := f.missing(tx.Now); len(missing) > 0 {
		return nil, missing[0]
	}
	f.PartnerSolution = ""
	if f.CustomerID != "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE id = ?`, f.CustomerID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, apperr.Field("customer_id", "customer.not_found", "customer not found")
		}
	}
	if err := checkRefs(ctx, tx, "", &Fields{OfficeID: f.OfficeID}); err != nil {
		return nil, err
	}
	id := ids.New()
	now := store.Micros(tx.Now)
	_, err := tx.ExecContext(ctx, `INSERT INTO opportunities (id, code, origin, customer_id, prospect_name, customer_key, project_name,
		project_key, industry, office_id, products, amount, expected_close, contact_name, contact_phone, description, review_status,
		sales_stage, approved_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, newCode(HO, tx.Now), HO, nullable(f.CustomerID), strings.TrimSpace(f.ProspectName), customerKey(f.CustomerID, f.ProspectName),
		strings.TrimSpace(f.ProjectName), normalise(f.ProjectName), f.Industry, f.OfficeID, strings.Join(f.Products, ","), f.Amount,
		store.Micros(f.ExpectedClose), f.ContactName, f.ContactPhone, f.Description, Approved, StageIdentify, now, actor, now, now)
	if err != nil {
		return nil, err
	}
	if err := record(ctx, tx, id, actor, "created", nil, ""); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{}, id)
}

// Eligibility says whether a partner may be offered HOs, and why not.
type Eligibility struct {
	PartnerID string
	Eligible  bool
	// Reason is a message key when not eligible.
	Reason string
	// Delivered counts the partner's POs signed and delivered in the last
	// 12 months.
	Delivered int
}

// Eligibility rules.
const (
	EligibleDeliveredPOs = 3
	eligibleWindowMonths = 12
)

// decide applies the rule: a differentiated partner in the co-selling
// programme, or a certified partner with EligibleDeliveredPOs POs signed
// and delivered in the last 12 months.
func decide(p *partner.Partner, coselling bool, delivered int) Eligibility {
	e := Eligibility{PartnerID: p.ID, Delivered: delivered}
	switch {
	case p.Stage == partner.Differentiated && coselling:
		e.Eligible = true
	case p.Stage == partner.Differentiated:
		e.Reason = "opportunity.ineligible_programme"
	case p.Stage == partner.Certified && delivered >= EligibleDeliveredPOs:
		e.Eligible = true
	case p.Stage == partner.Certified:
		e.Reason = "opportunity.ineligible_deliveries"
	default:
		e.Reason = "opportunity.ineligible_stage"
	}
	return e
}

// PartnerEligibility computes one partner's eligibility at now.
func PartnerEligibility(ctx context.Context, q store.Queryer, partnerID string, now time.Time) (Eligibility, error) {
	p, err := partner.Get(ctx, q, partnerID)
	if err != nil {
		return Eligibility{}, err
	}
	var coselling bool
	var delivered int
	if err := q.QueryRowContext(ctx, `SELECT coselling, (SELECT COUNT(*) FROM opportunities o WHERE o.partner_id = p.id AND o.origin = ?
		AND o.sales_stage = ? AND o.delivered_at IS NOT NULL AND o.signed_at >= ?) FROM partners p WHERE p.id = ?`,
		PO, StageWon, store.Micros(now.AddDate(0, -eligibleWindowMonths, 0)), partnerID).Scan(&coselling, &delivered); err != nil {
		return Eligibility{}, err
	}
	return decide(p, coselling, delivered), nil
}

// AllEligibility computes every partner's eligibility at now in one pass.
func AllEligibility(ctx context.Context, q store.Queryer, now time.Time) (map[string]Eligibility, error) {
	counts := map[string]int{}
	rows, err := q.QueryContext(ctx, `SELECT partner_id, COUNT(*) FROM opportunities WHERE origin = ? AND sales_stage = ?
		AND delivered_at IS NOT NULL AND signed_at >= ? GROUP BY partner_id`, PO, StageWon, store.Micros(now.AddDate(0, -eligibleWindowMonths, 0)))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		counts[id] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, stage, coselling FROM partners`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Eligibility{}
	for rows.Next() {
		var p partner.Partner
		var coselling bool
		if err := rows.Scan(&p.ID, &p.Stage, &coselling); err != nil {
			return nil, err
		}
		out[p.ID] = decide(&p, coselling, counts[p.ID])
	}
	return out, rows.Err()
}

// SetCoselling records a partner's membership of the co-selling programme.
func SetCoselling(ctx context.Context, tx *store.Tx, partnerID string, member bool) error {
	res, err := tx.ExecContext(ctx, `UPDATE partners SET coselling = ? WHERE id = ?`, member, partnerID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("partner.not_found", "partner not found")
	}
	return nil
}

// ShareResult is the outcome of sharing an HO with one partner.
type ShareResult struct {
	PartnerID string
	Err       error
}

// Share offers an HO to partners until validity runs out (zero:
// DefaultShareValidity). Each partner succeeds or fails on its own: an
// ineligible partner is refused with the reason.
func Share(ctx context.Context, tx *store.Tx, actor, hoID string, partnerIDs []string, validity time.Duration) ([]ShareResult, error) {
	if len(partnerIDs) == 0 || len(partnerIDs) > 50 {
		return nil, apperr.Field("partner_ids", "opportunity.share_count", "choose 1 to 50 partners")
	}
	o, err := lock(ctx, tx, Viewer{}, hoID)
	if err != nil {
		return nil, err
	}
	if o.Origin != HO || o.PartnerID != "" || o.SalesStage == StageLost {
		return nil, apperr.New(apperr.Conflict, "opportunity.not_shareable", "only HOs no partner has accepted can be shared")
	}
	if validity <= 0 {
		validity = DefaultShareValidity
	}
	out := make([]ShareResult, 0, len(partnerIDs))
	for _, pid := range partnerIDs {
		e, err := PartnerEligibility(ctx, tx, pid, tx.Now)
		if apperr.CodeOf(err) == apperr.NotFound {
			out = append(out, ShareResult{PartnerID: pid, Err: err})
			continue
		}
		if err != nil {
			return nil, err
		}
		if !e.Eligible {
			out = append(out, ShareResult{PartnerID: pid, Err: apperr.New(apperr.Conflict, e.Reason, "the partner is not eligible for HOs")})
			continue
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO opportunity_shares (opportunity_id, partner_id, status, shared_by, shared_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (opportunity_id, partner_id) DO UPDATE SET status = excluded.status, reason = '',
			shared_by = excluded.shared_by, shared_at = excluded.shared_at, expires_at = excluded.expires_at, answered_at = NULL`,
			o.ID, pid, ShareOffered, actor, store.Micros(tx.Now), store.Micros(tx.Now.Add(validity)))
		if err != nil {
			return nil, err
		}
		if err := record(ctx, tx, o.ID, actor, "shared", map[string][2]string{"partner": {"", pid}}, ""); err != nil {
			return nil, err
		}
		if err := notifyPartner(ctx, tx, pid, "opportunity.shared", o.ID, map[string]string{"code": o.Code}); err != nil {
			return nil, err
		}
		out = append(out, ShareResult{PartnerID: pid})
	}
	return out, nil
}

// Offer is an HO as offered to a partner: until the partner accepts, the
// customer's contact details stay hidden.
type Offer struct {
	Opportunity *Opportunity
	Status      string
	Reason      string
	SharedAt    time.Time
	ExpiresAt   time.Time
	AnsweredAt  time.Time
}

// Offers lists the HOs offered to a partner, newest first.
func Offers(ctx context.Context, q store.Queryer, partnerID string, status string) ([]*Offer, error) {
	where, args := "s.partner_id = ?", []any{partnerID}
	if status != "" {
		where, args = where+" AND s.status = ?", append(args, status)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+`, s.status, s.reason, s.shared_at, s.expires_at, COALESCE(s.answered_at, 0)`+from+`
		JOIN opportunity_shares s ON s.opportunity_id = o.id WHERE `+where+` ORDER BY s.shared_at DESC, o.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Offer
	for rows.Next() {
		var off Offer
		var shared, expires, answered int64
		o, err := scanWith(rows, &off.Status, &off.Reason, &shared, &expires, &answered)
		if err != nil {
			return nil, err
		}
		off.SharedAt, off.ExpiresAt, off.AnsweredAt = store.Time(shared), store.Time(expires), store.Time(answered)
		if off.Status != ShareAccepted {
			o.ContactName, o.ContactPhone = "", ""
		}
		off.Opportunity = o
		out = append(out, &off)
	}
	return out, rows.Err()
}

var errNoOffer = apperr.NotFoundf("opportunity.not_found", "the opportunity does not exist")

func lockOffer(ctx context.Context, tx *store.Tx, partnerID, hoID string) (*Opportunity, string, time.Time, error) {
	o, err := lock(ctx, tx, Viewer{}, hoID)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	var status string
	var expires int64
	err = store.ScanErr(tx.QueryRowContext(ctx, `SELECT status, expires_at FROM opportunity_shares WHERE opportunity_id = ? AND partner_id = ?`,
		hoID, partnerID).Scan(&status, &expires))
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", time.Time{}, errNoOffer
	}
	if err != nil {
		return nil, "", time.Time{}, err
	}
	if status == ShareOffered && !tx.Now.Before(store.Time(expires)) {
		status = ShareExpired
	}
	return o, status, store.Time(expires), nil
}

func answerError(status string) error {
	switch status {
	case ShareExpired:
		return apperr.New(apperr.Conflict, "opportunity.offer_expired", "the offer has expired")
	case ShareWithdrawn:
		return apperr.New(apperr.Conflict, "opportunity.offer_withdrawn", "another partner has accepted this opportunity")
	}
	return apperr.New(apperr.Conflict, "opportunity.offer_answered", "the offer has already been answered")
}

// Accept takes an offered HO: the partner now owns it and sees the
// customer's details; the other partners' offers are withdrawn.
func Accept(ctx context.Context, tx *store.Tx, partnerID, actor, hoID string) (*Opportunity, error) {
	o, status, _, err := lockOffer(ctx, tx, partnerID, hoID)
	if err != nil {
		return nil, err
	}
	if status != ShareOffered {
		return nil, answerError(status)
	}
	if o.PartnerID != "" {
		return nil, answerError(ShareWithdrawn)
	}
	now := store.Micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET partner_id = ?, updated_at = ? WHERE id = ? AND partner_id IS NULL`,
		partnerID, now, o.ID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunity_shares SET status = CASE WHEN partner_id = ? THEN ? ELSE ? END, answered_at = ?
		WHERE opportunity_id = ? AND status = ?`, partnerID, ShareAccepted, ShareWithdrawn, now, o.ID, ShareOffered); err != nil {
		return nil, err
	}
	if err := record(ctx, tx, o.ID, actor, "accepted", map[string][2]string{"partner": {"", partnerID}}, ""); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{PartnerID: partnerID}, o.ID)
}

// Decline refuses an offered HO, with a reason.
func Decline(ctx context.Context, tx *store.Tx, partnerID, actor, hoID, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 500 {
		return apperr.Field("reason", "opportunity.reason_required", "give the reason")
	}
	o, status, _, err := lockOffer(ctx, tx, partnerID, hoID)
	if err != nil {
		return err
	}
	if status != ShareOffered {
		return answerError(status)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunity_shares SET status = ?, reason = ?, answered_at = ? WHERE opportunity_id = ? AND partner_id = ?`,
		ShareRejected, reason, store.Micros(tx.Now), o.ID, partnerID); err != nil {
		return err
	}
	return record(ctx, tx, o.ID, actor, "declined", map[string][2]string{"partner": {partnerID, ""}}, reason)
}

// ExpireOffers marks offers past their validity as expired (housekeeping)
// and returns how many.
func ExpireOffers(ctx context.Context, tx *store.Tx) (int, error) {
	res, err := tx.ExecContext(ctx, `UPDATE opportunity_shares SET status = ? WHERE status = ? AND expires_at <= ?`,
		ShareExpired, ShareOffered, store.Micros(tx.Now))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
