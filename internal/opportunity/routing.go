package opportunity

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Routing is who reviews a PO.
type Routing struct {
	PSMUserID string
	PDMUserID string // empty with PDMQueue: the central PDM queue
	PDMQueue  bool
	// Why explains the choice, for the timeline and the back office.
	Why string
}

// Route picks the reviewers of a PO. The PSM comes from the PO's office:
// when the office has several, the rule is, in order,
//
//  1. those covering the PO's industry (all of them if none does);
//  2. of those, the ones with the fewest open reviews (submitted, in review
//     or awaiting the partner's action);
//  3. of those, the first by user name: a stable tie-break anyone can check.
//
// The PDM is the partner's own PDM when it has one who is an active PDM;
// otherwise the PO waits in the central PDM queue.
func Route(ctx context.Context, tx *store.Tx, officeID, industry, partnerID string) (*Routing, error) {
	type candidate struct {
		userID, username string
		industries       []string
		open             int
	}
	rows, err := tx.QueryContext(ctx, `SELECT u.id, u.username, s.industries,
		(SELECT COUNT(*) FROM opportunities o WHERE o.psm_user_id = u.id AND o.review_status IN (?, ?, ?))
		FROM office_psms s JOIN users u ON u.id = s.user_id WHERE s.office_id = ? AND NOT u.disabled`,
		Submitted, InReview, ActionRequired, officeID)
	if err != nil {
		return nil, err
	}
	var all []candidate
	for rows.Next() {
		var c candidate
		var industries string
		if err := rows.Scan(&c.userID, &c.username, &industries, &c.open); err != nil {
			rows.Close()
			return nil, err
		}
		c.industries = splitList(industries)
		all = append(all, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, apperr.Field("office_id", "opportunity.office_no_psm", "the office has no PSM to review this; choose another office or contact the provider")
	}
	why := "only PSM of the office"
	pool := all
	if len(all) > 1 {
		why = "least open reviews"
		var matching []candidate
		for _, c := range all {
			if slices.Contains(c.industries, industry) {
				matching = append(matching, c)
			}
		}
		if len(matching) > 0 {
			pool, why = matching, "industry, then least open reviews"
		}
		sort.Slice(pool, func(i, j int) bool {
			if pool[i].open != pool[j].open {
				return pool[i].open < pool[j].open
			}
			return pool[i].username < pool[j].username
		})
	}
	r := &Routing{PSMUserID: pool[0].userID, Why: why}

	var pdm, roles string
	var disabled bool
	err = store.ScanErr(tx.QueryRowContext(ctx, `SELECT u.id, u.roles, u.disabled FROM partners p JOIN users u ON u.id = p.pdm_user_id
		WHERE p.id = ? AND u.partner_id IS NULL`, partnerID).Scan(&pdm, &roles, &disabled))
	switch {
	case err == nil && !disabled && slices.Contains(auth.ParseRoles(roles), auth.StaffPDM):
		r.PDMUserID = pdm
	case err == nil || errors.Is(err, store.ErrNotFound):
		r.PDMQueue = true
	default:
		return nil, err
	}
	return r, nil
}

// Office is a provider office (代表处) and its PSMs.
type Office struct {
	ID     string
	NameZh string
	NameEn string
	PSMs   []OfficePSM
}

// OfficePSM is a PSM of an office and the industries it covers.
type OfficePSM struct {
	UserID     string
	Username   string
	Industries []string
}

// SaveOffice creates (empty ID) or renames an office.
func SaveOffice(ctx context.Context, tx *store.Tx, o *Office) error {
	o.NameZh, o.NameEn = strings.TrimSpace(o.NameZh), strings.TrimSpace(o.NameEn)
	if o.NameZh == "" || o.NameEn == "" {
		return apperr.Field("name_zh", "opportunity.office_name_required", "enter the office's name in both languages")
	}
	if o.ID == "" {
		o.ID = ids.New()
		_, err := tx.ExecContext(ctx, `INSERT INTO offices (id, name_zh, name_en, created_at) VALUES (?, ?, ?, ?)`,
			o.ID, o.NameZh, o.NameEn, store.Micros(tx.Now))
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE offices SET name_zh = ?, name_en = ? WHERE id = ?`, o.NameZh, o.NameEn, o.ID)
	return err
}

// SetOfficePSM adds a PSM to an office (or changes its industries); the
// user must be provider staff with the PSM role.
func SetOfficePSM(ctx context.Context, tx *store.Tx, officeID, userID string, industries []string) error {
	var roles string
	err := store.ScanErr(tx.QueryRowContext(ctx, `SELECT roles FROM users WHERE id = ? AND partner_id IS NULL`, userID).Scan(&roles))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !slices.Contains(auth.ParseRoles(roles), auth.StaffPSM)) {
		return apperr.Field("user_id", "opportunity.not_psm", "choose a member of staff with the PSM role")
	}
	if err != nil {
		return err
	}
	for _, i := range industries {
		if !slices.Contains(Industries, i) {
			return apperr.Field("industries", "opportunity.industry_invalid", "choose an industry from the list")
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO office_psms (office_id, user_id, industries) VALUES (?, ?, ?)
		ON CONFLICT (office_id, user_id) DO UPDATE SET industries = excluded.industries`, officeID, userID, strings.Join(industries, ","))
	return err
}

// RemoveOfficePSM takes a PSM off an office; its open reviews stay with it.
func RemoveOfficePSM(ctx context.Context, tx *store.Tx, officeID, userID string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM office_psms WHERE office_id = ? AND user_id = ?`, officeID, userID)
	return err
}

// Offices lists the offices with their PSMs.
func Offices(ctx context.Context, q store.Queryer) ([]*Office, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.name_zh, o.name_en, COALESCE(u.id, ''), COALESCE(u.username, ''), COALESCE(s.industries, '')
		FROM offices o LEFT JOIN office_psms s ON s.office_id = o.id LEFT JOIN users u ON u.id = s.user_id ORDER BY o.name_en, o.id, u.username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Office
	for rows.Next() {
		var o Office
		var psm OfficePSM
		var industries string
		if err := rows.Scan(&o.ID, &o.NameZh, &o.NameEn, &psm.UserID, &psm.Username, &industries); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != o.ID {
			out = append(out, &o)
		}
		if psm.UserID != "" {
			psm.Industries = splitList(industries)
			last := out[len(out)-1]
			last.PSMs = append(last.PSMs, psm)
		}
	}
	return out, rows.Err()
}
