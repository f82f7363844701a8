// Package configurator owns 解决方案配置中心: the configurator of a partner's
// solution and the configuration lists (配置单) produced with it.
//
// A configurator is a parameterised bill of materials (Definition):
// parameters (numbers with a range and step, or choices) with validation
// rules, lines that map the parameters to catalogue products by quantity
// formulas (package formula), each with its billing mode and period, and
// discount tiers by quantity. It is saved whole and checked whole
// (Compile): every formula parses and names known parameters, every line
// names a product sold that way, and the defaults give a bill; the first
// fault is refused on its field with the formula named. It can be edited
// only while its solution is 配置器开发中 (solution package) and no
// publication is pending; the partner requests publication, the PSA signs
// it off in the back office (SignOff), which publishes the solution
// through solution.PublishSignedOff in the same transaction, or returns it
// with a reason.
//
// A configuration list is produced from a published configurator with
// parameter values (Produce) or imported from an Excel sheet (Import,
// ReadSheet): either way it stores its values and its priced bill, so it
// never changes when the configurator or the catalogue later does. An
// import with any bad row imports nothing and names every bad row.
//
// The 15-day rule, as we read PRODUCT.md and issue 9 ("a list dated after
// the contract date needs the link within 15 days, after that it cannot be
// submitted"): a list links to one opportunity of its own partner. When
// the opportunity has a signing date (the contract date, set when it is
// won) and the list's date is a later billing day (UTC+8), the list's
// deadline is its date plus 15 days, inclusive: it can be linked to that
// opportunity, and submitted, only until the deadline; afterwards linking
// and submitting are refused and the list stays a draft. A list dated on
// or before the signing day, or linked to an opportunity not yet signed,
// has no deadline. Submitting needs a linked opportunity and makes the
// list final.
package configurator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
)

// Statuses of a configurator.
const (
	Editing   = "editing"   // the partner builds it (配置器开发中)
	Pending   = "pending"   // publication requested: the PSA signs off or returns it
	Published = "published" // signed off; lists are produced with it
)

// Configurator is a solution's configurator.
type Configurator struct {
	ID              string
	SolutionID      string
	SolutionName    string
	PartnerID       string
	PartnerName     string
	Status          string
	Def             Definition
	Revision        int64
	RequestedBy     string
	RequestedAt     time.Time
	DecidedBy       string
	DecidedAt       time.Time
	DecisionComment string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Actor is who acts: a partner user (PartnerID set) or a PSA (empty).
type Actor struct {
	PartnerID string
	UserID    string
	Name      string
}

// Errors.
var (
	ErrNotFound = apperr.NotFoundf("configurator.not_found", "the configurator does not exist")
	// ErrNotInDevelopment refuses to open or change the configurator of a
	// solution that is not 配置器开发中.
	ErrNotInDevelopment = apperr.New(apperr.Conflict, "configurator.not_in_development",
		"the configurator can be developed only while the solution is 配置器开发中")
	ErrPending      = apperr.New(apperr.Conflict, "configurator.pending", "publication is requested: the configurator cannot change until the PSA decides")
	ErrNotPending   = apperr.New(apperr.Conflict, "configurator.not_pending", "only a configurator awaiting sign-off can be signed off or returned")
	ErrNotPublished = apperr.New(apperr.Conflict, "configurator.not_published", "configuration lists are made with a published configurator")
	ErrEmpty        = apperr.New(apperr.Invalid, "configurator.empty", "add at least one line before requesting publication")
)

const columns = `c.id, c.solution_id, COALESCE(s.name, ''), c.partner_id, COALESCE(p.name, ''), c.status, c.definition, c.revision,
	c.requested_by, COALESCE(c.requested_at, 0), c.decided_by, COALESCE(c.decided_at, 0), c.decision_comment, c.created_at, c.updated_at`

const from = ` FROM configurators c LEFT JOIN solutions s ON s.id = c.solution_id LEFT JOIN partners p ON p.id = c.partner_id`

func scan(row interface{ Scan(...any) error }) (*Configurator, error) {
	var c Configurator
	var def string
	var requested, decided, created, updated int64
	err := row.Scan(&c.ID, &c.SolutionID, &c.SolutionName, &c.PartnerID, &c.PartnerName, &c.Status, &def, &c.Revision,
		&c.RequestedBy, &requested, &c.DecidedBy, &decided, &c.DecisionComment, &created, &updated)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	if err := json.Unmarshal([]byte(def), &c.Def); err != nil {
		return nil, err
	}
	c.RequestedAt, c.DecidedAt, c.CreatedAt, c.UpdatedAt = store.Time(requested), store.Time(decided), store.Time(created), store.Time(updated)
	return &c, nil
}

// scope is the tenant condition: a partner sees its own, staff (empty) all.
func scope(partnerID string) (string, []any) {
	if partnerID == "" {
		return "1=1", nil
	}
	return "c.partner_id = ?", []any{partnerID}
}

func getWhere(ctx context.Context, q store.Queryer, partnerID, cond string, arg any) (*Configurator, error) {
	sc, args := scope(partnerID)
	c, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+from+` WHERE `+cond+` AND `+sc, append([]any{arg}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return c, err
}

// Get returns a configurator the partner (empty: staff) may see.
func Get(ctx context.Context, q store.Queryer, partnerID, id string) (*Configurator, error) {
	return getWhere(ctx, q, partnerID, "c.id = ?", id)
}

// ForSolution returns a solution's configurator, ErrNotFound when it has none yet.
func ForSolution(ctx context.Context, q store.Queryer, partnerID, solutionID string) (*Configurator, error) {
	return getWhere(ctx, q, partnerID, "c.solution_id = ?", solutionID)
}

// Configurators returns the configurators of a partner (empty: every
// partner's) in a status (empty: any), the latest change first.
func Configurators(ctx context.Context, q store.Queryer, partnerID, status string) ([]*Configurator, error) {
	sc, args := scope(partnerID)
	if status != "" {
		sc, args = sc+" AND c.status = ?", append(args, status)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+from+` WHERE `+sc+` ORDER BY c.updated_at DESC, c.id`, args...)
	return collect(rows, err, scan)
}

// collect reads every row of a query with scan.
func collect[T any](rows *sql.Rows, err error, scan func(row interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Products returns the catalogue by product id, for Compile.
func Products(ctx context.Context, q store.Queryer) (map[string]*catalogue.Product, error) {
	all, err := catalogue.List(ctx, q, catalogue.ProductFilter{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]*catalogue.Product, len(all))
	for _, p := range all {
		out[p.ID] = p
	}
	return out, nil
}

// Compile compiles the configurator's definition against the catalogue.
func (c *Configurator) Compile(ctx context.Context, q store.Queryer) (*Compiled, error) {
	products, err := Products(ctx, q)
	if err != nil {
		return nil, err
	}
	return Compile(c.Def, products)
}

// Workspace is what the configurator page of a solution shows.
type Workspace struct {
	Solution     *solution.Solution
	Configurator *Configurator // nil until the first save
}

// Open returns a partner's solution and its configurator for the
// configurator page: refused with ErrNotInDevelopment unless the solution
// is 配置器开发中, or published with a published configurator (to make
// lists with it). Another partner's solution answers not found.
func Open(ctx context.Context, q store.Queryer, partnerID, solutionID string) (*Workspace, error) {
	s, err := solution.Get(ctx, q, solution.Viewer{PartnerID: partnerID}, solutionID)
	if err != nil {
		return nil, err
	}
	c, err := ForSolution(ctx, q, partnerID, solutionID)
	if errors.Is(err, ErrNotFound) {
		c, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !solution.AllowsConfiguratorDevelopment(s.Status) && (c == nil || c.Status != Published) {
		return nil, ErrNotInDevelopment
	}
	return &Workspace{Solution: s, Configurator: c}, nil
}

// editable opens a partner's configurator for a change: the solution must
// be 配置器开发中 and no publication pending. The configurator is nil when
// the solution has none yet.
func editable(ctx context.Context, tx *store.Tx, a Actor, solutionID string) (*solution.Solution, *Configurator, error) {
	if a.PartnerID == "" {
		return nil, nil, ErrNotFound
	}
	if tx.Dialect() == store.Postgres {
		// Changes to one solution's configurator (the first save creating
		// it included) take turns on the solution's row, so that two edits
		// of the definition never lose one another. SQLite's writer is one
		// connection: its transactions take turns already.
		if _, err := tx.ExecContext(ctx, `SELECT id FROM solutions WHERE id = ? AND partner_id = ? FOR UPDATE`, solutionID, a.PartnerID); err != nil {
			return nil, nil, err
		}
	}
	w, err := Open(ctx, tx, a.PartnerID, solutionID)
	if err != nil {
		return nil, nil, err
	}
	if !solution.AllowsConfiguratorDevelopment(w.Solution.Status) {
		return nil, nil, ErrNotInDevelopment
	}
	if w.Configurator != nil && w.Configurator.Status == Pending {
		return nil, nil, ErrPending
	}
	return w.Solution, w.Configurator, nil
}

// Save replaces the definition of a solution's configurator (creating the
// configurator on the first save) after checking it whole: bad input is
// refused on its field and nothing changes.
func Save(ctx context.Context, tx *store.Tx, a Actor, solutionID string, def Definition) (*Configurator, error) {
	return Edit(ctx, tx, a, solutionID, func(d *Definition) error { *d = def; return nil })
}

// Edit changes the definition of a solution's configurator with change,
// given the stored definition (empty before the first save), then saves it
// as Save does. The read and the write happen under the solution's lock, so
// that concurrent edits (two pieces added at once) both count.
func Edit(ctx context.Context, tx *store.Tx, a Actor, solutionID string, change func(def *Definition) error) (*Configurator, error) {
	s, c, err := editable(ctx, tx, a, solutionID)
	if err != nil {
		return nil, err
	}
	var def Definition
	if c != nil {
		def = c.Def
	}
	if err := change(&def); err != nil {
		return nil, err
	}
	b, err := checkAndEncode(ctx, tx, def, func(productID string) bool { return usedBefore(c, productID) })
	if err != nil {
		return nil, err
	}
	now := store.Micros(tx.Now)
	before := any(nil)
	if c == nil {
		id := ids.New()
		if _, err := tx.ExecContext(ctx, `INSERT INTO configurators (id, solution_id, partner_id, status, definition, revision, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?)`, id, s.ID, s.PartnerID, Editing, string(b), now, now); err != nil {
			return nil, err
		}
	} else {
		before = map[string]any{"revision": c.Revision}
		if _, err := tx.ExecContext(ctx, `UPDATE configurators SET definition = ?, revision = revision + 1, updated_at = ? WHERE id = ?`,
			string(b), now, c.ID); err != nil {
			return nil, err
		}
	}
	saved, err := ForSolution(ctx, tx, a.PartnerID, solutionID)
	if err != nil {
		return nil, err
	}
	return saved, audit.Record(ctx, tx, audit.Change{PartnerID: a.PartnerID, Action: "configurator.save", ObjectType: "configurator",
		ObjectID: saved.ID, Before: before, After: map[string]any{"revision": saved.Revision, "parameters": len(def.Parameters),
			"lines": len(def.Lines), "tiers": len(def.Tiers)}})
}

// checkAndEncode checks a definition whole against the catalogue and
// returns it as stored. A line may name a product off sale only when
// keepOffSale allows it (it was chosen while the product was on sale).
func checkAndEncode(ctx context.Context, tx *store.Tx, def Definition, keepOffSale func(productID string) bool) ([]byte, error) {
	products, err := Products(ctx, tx)
	if err != nil {
		return nil, err
	}
	for i, l := range def.Lines {
		if p := products[l.ProductID]; p != nil && !p.OnSale && !keepOffSale(l.ProductID) {
			return nil, field("lines", i, "product_id", "configurator.product_not_on_sale", "the product is not on sale")
		}
	}
	compiled, err := Compile(def, products)
	if err != nil {
		return nil, err
	}
	return json.Marshal(compiled.Def)
}

// usedBefore lets a line keep a product taken off sale after it was added.
func usedBefore(c *Configurator, productID string) bool {
	if c == nil {
		return false
	}
	for _, l := range c.Def.Lines {
		if l.ProductID == productID {
			return true
		}
	}
	return false
}

// RequestPublication asks the PSA to sign the configurator off.
func RequestPublication(ctx context.Context, tx *store.Tx, a Actor, solutionID string) (*Configurator, error) {
	_, c, err := editable(ctx, tx, a, solutionID)
	if err != nil {
		return nil, err
	}
	if c == nil || len(c.Def.Lines) == 0 {
		return nil, ErrEmpty
	}
	if _, err := c.Compile(ctx, tx); err != nil {
		return nil, err
	}
	now := store.Micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE configurators SET status = ?, requested_by = ?, requested_at = ?, decision_comment = '', updated_at = ?
		WHERE id = ?`, Pending, a.Name, now, now, c.ID); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: a.PartnerID, Action: "configurator.request_publication",
		ObjectType: "configurator", ObjectID: c.ID, Before: map[string]any{"status": c.Status}, After: map[string]any{"status": Pending}}); err != nil {
		return nil, err
	}
	return Get(ctx, tx, a.PartnerID, c.ID)
}

// SignOff is the PSA's decision on a configurator awaiting sign-off:
// approve publishes it and its solution (已发布); otherwise it returns to
// the partner for editing with the reason, which is required.
func SignOff(ctx context.Context, tx *store.Tx, psa Actor, id string, approve bool, comment string) (*Configurator, error) {
	if tx.Dialect() == store.Postgres {
		// Two PSAs deciding at once: the second sees the first's decision.
		if _, err := tx.ExecContext(ctx, `SELECT id FROM configurators WHERE id = ? FOR UPDATE`, id); err != nil {
			return nil, err
		}
	}
	c, err := Get(ctx, tx, "", id)
	if err != nil {
		return nil, err
	}
	if c.Status != Pending {
		return nil, ErrNotPending
	}
	comment = strings.TrimSpace(comment)
	if !approve && comment == "" {
		return nil, apperr.Field("comment", "configurator.reason_required", "give the reason")
	}
	if len([]rune(comment)) > 1000 {
		return nil, apperr.Field("comment", "configurator.too_long", "at most %d characters", 1000)
	}
	status := Editing
	if approve {
		status = Published
		if _, err := solution.PublishSignedOff(ctx, tx, solution.Actor{Side: solution.PSA, UserID: psa.UserID, Name: psa.Name}, c.SolutionID); err != nil {
			return nil, err
		}
	}
	now := store.Micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE configurators SET status = ?, decided_by = ?, decided_at = ?, decision_comment = ?, updated_at = ?
		WHERE id = ?`, status, psa.Name, now, comment, now, c.ID); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: c.PartnerID, Action: "configurator.sign_off", ObjectType: "configurator",
		ObjectID: c.ID, Before: map[string]any{"status": c.Status}, After: map[string]any{"status": status, "comment": comment}}); err != nil {
		return nil, err
	}
	return Get(ctx, tx, "", id)
}

// ErrHasConfigurator refuses to record a second configurator for a solution.
var ErrHasConfigurator = apperr.New(apperr.Conflict, "configurator.exists", "the solution already has a configurator")

// RecordPublished records the configurator of a solution that was
// published before it had one here (carried over from an earlier system):
// checked whole like Save, stored as published and signed off by the PSA
// named. The solution must be 已发布 and without a configurator; its
// status does not change.
func RecordPublished(ctx context.Context, tx *store.Tx, psa Actor, partnerID, solutionID string, def Definition) (*Configurator, error) {
	s, err := solution.Get(ctx, tx, solution.Viewer{PartnerID: partnerID}, solutionID)
	if err != nil {
		return nil, err
	}
	if s.Status != solution.Published {
		return nil, apperr.New(apperr.Conflict, "configurator.solution_not_published", "only a published solution's configurator is recorded as published")
	}
	if _, err := ForSolution(ctx, tx, partnerID, solutionID); err == nil {
		return nil, ErrHasConfigurator
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	b, err := checkAndEncode(ctx, tx, def, func(string) bool { return true })
	if err != nil {
		return nil, err
	}
	id, now := ids.New(), store.Micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `INSERT INTO configurators (id, solution_id, partner_id, status, definition, revision, decided_by, decided_at,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`, id, s.ID, s.PartnerID, Published, string(b), psa.Name, now, now, now); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: s.PartnerID, Action: "configurator.record_published", ObjectType: "configurator",
		ObjectID: id, After: map[string]any{"status": Published, "lines": len(def.Lines)}}); err != nil {
		return nil, err
	}
	return Get(ctx, tx, partnerID, id)
}
