package partner

import (
	"context"
	"errors"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// A total distributor invites an existing reseller that sells directly to
// become one of its indirect resellers; the reseller decides. Nothing changes
// on the reseller until it accepts, so that no distributor can take over a
// partner on its own.

// InviteValidity is how long an invitation may be accepted.
const InviteValidity = 7 * 24 * time.Hour

// InviteStatus is where an invitation stands.
type InviteStatus string

const (
	InvitePending  InviteStatus = "pending"
	InviteAccepted InviteStatus = "accepted"
	InviteDeclined InviteStatus = "declined"
	// InviteExpired marks an invitation left open past its expiry once a new
	// one of the same pair replaces it.
	InviteExpired InviteStatus = "expired"
)

// Invitation is one invitation, with both partners' display names.
type Invitation struct {
	ID              string
	DistributorID   string
	DistributorName string
	ResellerID      string
	ResellerName    string
	Status          InviteStatus
	InvitedBy       string
	CreatedAt       time.Time
	ExpiresAt       time.Time
	DecidedAt       time.Time
}

// Open reports whether the invitation may still be accepted at now.
func (i *Invitation) Open(now time.Time) bool {
	return i.Status == InvitePending && now.Before(i.ExpiresAt)
}

const inviteColumns = `i.id, i.distributor_id, d.display_name, i.reseller_id, r.display_name, i.status, i.invited_by,
	i.created_at, i.expires_at, COALESCE(i.decided_at, 0)`

const inviteFrom = ` FROM reseller_invites i JOIN partners d ON d.id = i.distributor_id JOIN partners r ON r.id = i.reseller_id`

func scanInvite(row interface{ Scan(...any) error }) (*Invitation, error) {
	var i Invitation
	var created, expires, decided int64
	err := row.Scan(&i.ID, &i.DistributorID, &i.DistributorName, &i.ResellerID, &i.ResellerName, &i.Status, &i.InvitedBy,
		&created, &expires, &decided)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	i.CreatedAt, i.ExpiresAt, i.DecidedAt = store.Time(created), store.Time(expires), store.Time(decided)
	if decided == 0 {
		i.DecidedAt = time.Time{}
	}
	return &i, nil
}

func listInvites(ctx context.Context, q store.Queryer, where string, args ...any) ([]*Invitation, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+inviteColumns+inviteFrom+` WHERE `+where+` ORDER BY i.created_at DESC, i.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Invitation
	for rows.Next() {
		i, err := scanInvite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// PendingInvitations are the invitations a reseller may still accept at now,
// newest first.
func PendingInvitations(ctx context.Context, q store.Queryer, resellerID string, now time.Time) ([]*Invitation, error) {
	return listInvites(ctx, q, `i.reseller_id = ? AND i.status = ? AND i.expires_at > ?`, resellerID, InvitePending, store.Micros(now))
}

// SentInvitations are a distributor's invitations still open at now, newest
// first.
func SentInvitations(ctx context.Context, q store.Queryer, distributorID string, now time.Time) ([]*Invitation, error) {
	return listInvites(ctx, q, `i.distributor_id = ? AND i.status = ? AND i.expires_at > ?`, distributorID, InvitePending, store.Micros(now))
}

var errInviteNotFound = apperr.NotFoundf("reseller_invite.not_found", "invitation not found")

// inviteSummary is how an invitation appears in the audit log.
func inviteSummary(i *Invitation) map[string]any {
	return map[string]any{"distributor_id": i.DistributorID, "reseller_id": i.ResellerID, "status": i.Status, "expires_at": i.ExpiresAt}
}

// InviteReseller invites the reseller named resellerName (its handle) to sell
// through the distributor. Each fault of the invited partner names the field
// "name".
func InviteReseller(ctx context.Context, tx *store.Tx, distributorID, resellerName string) (*Invitation, error) {
	dist, err := Get(ctx, tx, distributorID)
	if err != nil {
		return nil, err
	}
	if dist.Type != TotalDistributor {
		return nil, apperr.New(apperr.Forbidden, "reseller_invite.not_distributor", "only a total distributor may invite resellers")
	}
	r, err := GetByName(ctx, tx, resellerName)
	if errors.Is(err, errNotFound) || resellerName == "" {
		return nil, apperr.Field("name", "reseller_invite.partner_not_found", "no partner has this name")
	}
	if err != nil {
		return nil, err
	}
	switch {
	case r.Type != Reseller:
		return nil, apperr.Field("name", "reseller_invite.not_reseller", "only a reseller can be invited")
	case r.ParentID != "":
		return nil, apperr.Field("name", "reseller_invite.has_distributor", "this reseller already sells through a total distributor")
	}
	// An invitation of the pair that lapsed unanswered no longer blocks a new
	// one; it is closed here so that at most one stays pending.
	if _, err := tx.ExecContext(ctx, `UPDATE reseller_invites SET status = ? WHERE distributor_id = ? AND reseller_id = ?
		AND status = ? AND expires_at <= ?`, InviteExpired, dist.ID, r.ID, InvitePending, store.Micros(tx.Now)); err != nil {
		return nil, err
	}
	inv := &Invitation{ID: ids.Compact(), DistributorID: dist.ID, DistributorName: dist.DisplayName, ResellerID: r.ID,
		ResellerName: r.DisplayName, Status: InvitePending, InvitedBy: auth.From(ctx).ActorName(), CreatedAt: tx.Now,
		ExpiresAt: tx.Now.Add(InviteValidity)}
	_, err = tx.ExecContext(ctx, `INSERT INTO reseller_invites (id, distributor_id, reseller_id, status, invited_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, inv.ID, inv.DistributorID, inv.ResellerID, inv.Status, inv.InvitedBy,
		store.Micros(inv.CreatedAt), store.Micros(inv.ExpiresAt))
	if errors.Is(err, store.ErrConflict) {
		return nil, apperr.Field("name", "reseller_invite.open_exists", "this reseller already has an open invitation from you")
	}
	if err != nil {
		return nil, err
	}
	err = audit.Record(ctx, tx, audit.Change{PartnerID: dist.ID, Action: "reseller.invite", ObjectType: "reseller_invite", ObjectID: inv.ID,
		After: inviteSummary(inv)})
	return inv, err
}

// openInvite reads the reseller's invitation for a decision, holding its row
// on PostgreSQL so that two decisions on one invitation run one after the
// other. Another partner's invitation answers not found, exactly as one that
// does not exist.
func openInvite(ctx context.Context, tx *store.Tx, resellerID, inviteID string) (*Invitation, error) {
	lock := ""
	if tx.Dialect() == store.Postgres {
		lock = " FOR UPDATE OF i"
	}
	inv, err := scanInvite(tx.QueryRowContext(ctx, `SELECT `+inviteColumns+inviteFrom+` WHERE i.id = ? AND i.reseller_id = ?`+lock,
		inviteID, resellerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInviteNotFound
	}
	if err != nil {
		return nil, err
	}
	if inv.Status != InvitePending {
		return nil, apperr.New(apperr.Conflict, "reseller_invite.used", "this invitation has already been answered")
	}
	if !tx.Now.Before(inv.ExpiresAt) {
		return nil, apperr.New(apperr.Conflict, "reseller_invite.expired", "this invitation has expired")
	}
	return inv, nil
}

func decide(ctx context.Context, tx *store.Tx, inv *Invitation, status InviteStatus, action string) error {
	before := inviteSummary(inv)
	if _, err := tx.ExecContext(ctx, `UPDATE reseller_invites SET status = ?, decided_at = ? WHERE id = ?`,
		status, store.Micros(tx.Now), inv.ID); err != nil {
		return err
	}
	inv.Status, inv.DecidedAt = status, tx.Now
	return audit.Record(ctx, tx, audit.Change{PartnerID: inv.ResellerID, Action: action, ObjectType: "reseller_invite", ObjectID: inv.ID,
		Before: before, After: inviteSummary(inv)})
}

// AcceptResellerInvite makes the reseller an indirect reseller of the
// inviting distributor, in the same transaction as the decision. The
// reseller must still sell directly: it may have accepted another
// distributor's invitation since this one was sent.
func AcceptResellerInvite(ctx context.Context, tx *store.Tx, resellerID, inviteID string) (*Invitation, error) {
	inv, err := openInvite(ctx, tx, resellerID, inviteID)
	if err != nil {
		return nil, err
	}
	dist, err := Get(ctx, tx, inv.DistributorID)
	if err != nil {
		return nil, err
	}
	if dist.Type != TotalDistributor {
		return nil, apperr.New(apperr.Conflict, "reseller_invite.distributor_gone", "the inviting partner is no longer a total distributor")
	}
	// The parent is set only where none is: the condition, not an earlier
	// read, decides, so two acceptances cannot both succeed.
	res, err := tx.ExecContext(ctx, `UPDATE partners SET parent_id = ?, associated_at = ? WHERE id = ? AND parent_id IS NULL AND partner_type = ?`,
		inv.DistributorID, store.Micros(tx.Now), resellerID, Reseller)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n != 1 {
		return nil, apperr.New(apperr.Conflict, "reseller_invite.has_distributor", "this reseller already sells through a total distributor")
	}
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: resellerID, Action: "partner.join_distributor", ObjectType: "partner", ObjectID: resellerID,
		Before: map[string]any{"parent_id": nil}, After: map[string]any{"parent_id": inv.DistributorID}}); err != nil {
		return nil, err
	}
	return inv, decide(ctx, tx, inv, InviteAccepted, "reseller.invite_accept")
}

// DeclineResellerInvite closes the invitation without changing the reseller.
func DeclineResellerInvite(ctx context.Context, tx *store.Tx, resellerID, inviteID string) (*Invitation, error) {
	inv, err := openInvite(ctx, tx, resellerID, inviteID)
	if err != nil {
		return nil, err
	}
	return inv, decide(ctx, tx, inv, InviteDeclined, "reseller.invite_decline")
}
