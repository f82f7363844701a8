// Package partner owns partner organisations, the tenants of the partner
// center: their type (total distributor, reseller, solution provider), their
// development-path stage, the total distributor an indirect reseller sells
// through, their domain identity and the platform identifier (xaccountType)
// of their own sales platform. It also decides which partner a request may
// act for (its own, or a distributor's indirect reseller).
package partner

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Type is the kind of partner.
type Type string

const (
	TotalDistributor Type = "distributor" // 总经销商
	Reseller         Type = "reseller"    // 经销商 (and 二级经销商 when it has a parent)
	SolutionProvider Type = "solution"    // 解决方案提供商
)

// Types lists the partner types in display order.
var Types = []Type{TotalDistributor, Reseller, SolutionProvider}

// Stage is a development-path stage.
type Stage string

const (
	Registered     Stage = "registered"     // 注册
	Certified      Stage = "certified"      // 已认证
	Differentiated Stage = "differentiated" // 差异化
)

// Stages lists the stages in path order.
var Stages = []Stage{Registered, Certified, Differentiated}

func (t Type) Valid() bool  { return t == TotalDistributor || t == Reseller || t == SolutionProvider }
func (s Stage) Valid() bool { return s == Registered || s == Certified || s == Differentiated }

// Partner is one partner organisation.
type Partner struct {
	ID           string
	Name         string // short handle; also the main account's sign-in name
	DisplayName  string
	Type         Type
	Stage        Stage
	ParentID     string // total distributor of an indirect reseller
	DomainID     string // the account's domain id, sent by API callers as X-Domain-Id
	DomainName   string
	XAccountType string // platform identifier of its sales platform, once configured
	Email        string
	Mobile       string
	PDMUserID    string
	AssociatedAt time.Time // when an indirect reseller joined its distributor
	CreatedAt    time.Time
}

// IsIndirect reports whether the partner sells through a total distributor.
func (p *Partner) IsIndirect() bool { return p.ParentID != "" }

// columns read a partner from partners p (named, so that a query may join
// another table with columns of the same names).
const columns = `p.id, p.name, p.display_name, p.partner_type, p.stage, COALESCE(p.parent_id, ''), p.domain_id, p.domain_name,
	COALESCE(p.xaccount_type, ''), p.email, p.mobile, COALESCE(p.pdm_user_id, ''), COALESCE(p.associated_at, 0), p.created_at`

func scan(row interface{ Scan(...any) error }) (*Partner, error) {
	var p Partner
	var assoc, created int64
	err := row.Scan(&p.ID, &p.Name, &p.DisplayName, &p.Type, &p.Stage, &p.ParentID, &p.DomainID, &p.DomainName,
		&p.XAccountType, &p.Email, &p.Mobile, &p.PDMUserID, &assoc, &created)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	p.AssociatedAt, p.CreatedAt = store.Time(assoc), store.Time(created)
	return &p, nil
}

var errNotFound = apperr.NotFoundf("partner.not_found", "partner not found")

// Get returns a partner by id.
func Get(ctx context.Context, q store.Queryer, id string) (*Partner, error) {
	p, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM partners p WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	return p, err
}

// GetByDomainID returns the partner whose domain id API callers present.
func GetByDomainID(ctx context.Context, q store.Queryer, domainID string) (*Partner, error) {
	p, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM partners p WHERE domain_id = ?`, domainID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	return p, err
}

// GetByName returns a partner by its short handle.
func GetByName(ctx context.Context, q store.Queryer, name string) (*Partner, error) {
	p, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM partners p WHERE name = ?`, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	return p, err
}

// NewPartner is what provider staff enter to create a partner.
type NewPartner struct {
	Name         string
	DisplayName  string
	Type         Type
	Stage        Stage
	ParentID     string
	DomainName   string
	XAccountType string
	Email        string
	Mobile       string
	PDMUserID    string
}

var handlePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// Validate checks a new partner's fields; each fault names its field.
func (n *NewPartner) Validate() error {
	n.Name = strings.TrimSpace(n.Name)
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	if !handlePattern.MatchString(n.Name) {
		return apperr.Field("name", "partner.name_invalid", "name must be 2-40 lowercase letters, digits or hyphens, starting with a letter")
	}
	if n.DisplayName == "" {
		n.DisplayName = n.Name
	}
	if len([]rune(n.DisplayName)) > 100 {
		return apperr.Field("display_name", "partner.display_name_long", "display name must be at most 100 characters")
	}
	if !n.Type.Valid() {
		return apperr.Field("type", "partner.type_invalid", "unknown partner type")
	}
	if !n.Stage.Valid() {
		return apperr.Field("stage", "partner.stage_invalid", "unknown development stage")
	}
	if n.ParentID != "" && n.Type != Reseller {
		return apperr.Field("parent_id", "partner.parent_only_reseller", "only a reseller can sell through a total distributor")
	}
	if n.DomainName == "" {
		n.DomainName = n.Name
	}
	return nil
}

// Create adds a partner organisation. The parent, if any, must be a total
// distributor.
func Create(ctx context.Context, tx *store.Tx, n NewPartner) (*Partner, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if n.ParentID != "" {
		parent, err := Get(ctx, tx, n.ParentID)
		if err != nil {
			return nil, apperr.Field("parent_id", "partner.parent_not_found", "the total distributor does not exist")
		}
		if parent.Type != TotalDistributor {
			return nil, apperr.Field("parent_id", "partner.parent_not_distributor", "the parent must be a total distributor")
		}
	}
	p := &Partner{
		ID: ids.Compact(), Name: n.Name, DisplayName: n.DisplayName, Type: n.Type, Stage: n.Stage,
		ParentID: n.ParentID, DomainID: ids.Compact(), DomainName: n.DomainName, XAccountType: n.XAccountType,
		Email: n.Email, Mobile: n.Mobile, PDMUserID: n.PDMUserID, CreatedAt: tx.Now,
	}
	if p.ParentID != "" {
		p.AssociatedAt = tx.Now
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO partners (id, name, display_name, partner_type, stage, parent_id, domain_id,
		domain_name, xaccount_type, email, mobile, pdm_user_id, associated_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Name, p.DisplayName, p.Type, p.Stage, nullString(p.ParentID), p.DomainID, p.DomainName,
		nullString(p.XAccountType), p.Email, p.Mobile, nullString(p.PDMUserID), store.NullMicros(p.AssociatedAt), store.Micros(p.CreatedAt))
	if errors.Is(err, store.ErrConflict) {
		return nil, apperr.Field("name", "partner.duplicate", "a partner with this name, domain name or platform identifier already exists")
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Update is what provider staff may change on a partner.
type Update struct {
	DisplayName string
	Type        Type
	Stage       Stage
	ParentID    string
	PDMUserID   string
}

// Save applies an update; it returns the partner before and after.
func Save(ctx context.Context, tx *store.Tx, id string, u Update) (before, after *Partner, err error) {
	before, err = Get(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	n := NewPartner{Name: before.Name, DisplayName: u.DisplayName, Type: u.Type, Stage: u.Stage, ParentID: u.ParentID, DomainName: before.DomainName}
	if err := n.Validate(); err != nil {
		return nil, nil, err
	}
	if u.ParentID == id {
		return nil, nil, apperr.Field("parent_id", "partner.parent_self", "a partner cannot be its own distributor")
	}
	if u.ParentID != "" {
		parent, err := Get(ctx, tx, u.ParentID)
		if err != nil || parent.Type != TotalDistributor {
			return nil, nil, apperr.Field("parent_id", "partner.parent_not_distributor", "the parent must be a total distributor")
		}
	}
	after = &Partner{}
	*after = *before
	after.DisplayName, after.Type, after.Stage, after.PDMUserID = n.DisplayName, u.Type, u.Stage, u.PDMUserID
	if u.ParentID != before.ParentID {
		after.ParentID = u.ParentID
		after.AssociatedAt = time.Time{}
		if u.ParentID != "" {
			after.AssociatedAt = tx.Now
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE partners SET display_name = ?, partner_type = ?, stage = ?, parent_id = ?,
		pdm_user_id = ?, associated_at = ? WHERE id = ?`,
		after.DisplayName, after.Type, after.Stage, nullString(after.ParentID), nullString(after.PDMUserID),
		store.NullMicros(after.AssociatedAt), id)
	if err != nil {
		return nil, nil, err
	}
	return before, after, nil
}

// ListFilter selects partners for the provider's partner list.
type ListFilter struct {
	Query    string // matches name or display name
	Type     Type
	ParentID string
	Offset   int
	Limit    int
}

// List returns one page of partners and the total that match.
func List(ctx context.Context, q store.Queryer, f ListFilter) ([]*Partner, int, error) {
	where, args := []string{"1=1"}, []any{}
	if f.Query != "" {
		where = append(where, `(name LIKE ? ESCAPE '\' OR display_name LIKE ? ESCAPE '\')`)
		like := "%" + escapeLike(f.Query) + "%"
		args = append(args, like, like)
	}
	if f.Type != "" {
		where = append(where, "partner_type = ?")
		args = append(args, f.Type)
	}
	if f.ParentID != "" {
		where = append(where, "parent_id = ?")
		args = append(args, f.ParentID)
	}
	return page(ctx, q, strings.Join(where, " AND "), args, "name", f.Offset, f.Limit)
}

// IndirectFilter selects a total distributor's indirect resellers; it has the
// filters of the API's ListIndirectPartners.
type IndirectFilter struct {
	DistributorID     string
	IndirectPartnerID string
	AccountName       string // exact domain name
	AssociatedFrom    time.Time
	AssociatedTo      time.Time
	Offset, Limit     int
}

// ListIndirect returns a page of a distributor's indirect resellers, most
// recently associated first.
func ListIndirect(ctx context.Context, q store.Queryer, f IndirectFilter) ([]*Partner, int, error) {
	where, args := []string{"parent_id = ?"}, []any{f.DistributorID}
	if f.IndirectPartnerID != "" {
		where = append(where, "id = ?")
		args = append(args, f.IndirectPartnerID)
	}
	if f.AccountName != "" {
		where = append(where, "domain_name = ?")
		args = append(args, f.AccountName)
	}
	if !f.AssociatedFrom.IsZero() {
		where = append(where, "associated_at >= ?")
		args = append(args, store.Micros(f.AssociatedFrom))
	}
	if !f.AssociatedTo.IsZero() {
		where = append(where, "associated_at <= ?")
		args = append(args, store.Micros(f.AssociatedTo))
	}
	return page(ctx, q, strings.Join(where, " AND "), args, "associated_at DESC, id", f.Offset, f.Limit)
}

func page(ctx context.Context, q store.Queryer, where string, args []any, order string, offset, limit int) ([]*Partner, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM partners WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM partners p WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Partner
	for rows.Next() {
		p, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// ActingFor decides which partner a caller acts for. A partner acts for
// itself; a total distributor may name one of its indirect resellers. Any
// other id answers not found, exactly as an id that does not exist, so that
// callers learn nothing of other tenants.
func ActingFor(ctx context.Context, q store.Queryer, callerPartnerID, indirectPartnerID string) (string, error) {
	if indirectPartnerID == "" || indirectPartnerID == callerPartnerID {
		return callerPartnerID, nil
	}
	var parent sql.NullString
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT parent_id FROM partners WHERE id = ?`, indirectPartnerID).Scan(&parent))
	if err != nil || !parent.Valid || parent.String != callerPartnerID {
		return "", apperr.NotFoundf("partner.indirect_not_found", "indirect partner not found")
	}
	return indirectPartnerID, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
