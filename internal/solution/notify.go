package solution

import (
	"context"
	"encoding/json"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Notifications go to the console inbox (the notifications table the
// opportunity package introduced): the partner's users who may work on
// solutions hear of the PSA's decisions and answers; the PSA hears of
// submissions and questions (the approving PSA once there is one, every
// user of the back office's solutions before).

// notifyPartner notifies every user of the partner holding PermSolution.
func notifyPartner(ctx context.Context, tx *store.Tx, partnerID, kind, subjectID string, args map[string]string) error {
	users, err := usersWith(ctx, tx, `partner_id = ?`, []any{partnerID}, auth.KindPartner, partnerID, auth.PermSolution)
	if err != nil {
		return err
	}
	return notify(ctx, tx, partnerID, users, kind, subjectID, args)
}

// notifyPSA notifies the solution's PSA, or every member of staff who may
// work on solutions while none approved it yet.
func notifyPSA(ctx context.Context, tx *store.Tx, s *Solution, kind string) error {
	users := []string{s.PSAUserID}
	if s.PSAUserID == "" {
		var err error
		if users, err = usersWith(ctx, tx, `partner_id IS NULL`, nil, auth.KindStaff, "", auth.PermStaffSolutions); err != nil {
			return err
		}
	}
	return notify(ctx, tx, "", users, kind, s.ID, map[string]string{"code": s.Name})
}

// usersWith lists the enabled users the condition selects whose roles
// grant the permission.
func usersWith(ctx context.Context, tx *store.Tx, cond string, args []any, kind auth.Kind, partnerID string, perm auth.Permission) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, is_main, roles FROM users WHERE `+cond+` AND NOT disabled ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, roles string
		var main bool
		if err := rows.Scan(&id, &main, &roles); err != nil {
			return nil, err
		}
		p := &auth.Principal{Kind: kind, IsMain: main, Roles: auth.ParseRoles(roles), PartnerID: partnerID}
		if p.Can(perm) {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

func notify(ctx context.Context, tx *store.Tx, partnerID string, users []string, kind, subjectID string, args map[string]string) error {
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	for _, u := range users {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, partner_id, user_id, kind, subject_id, args, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, ids.New(), nullable(partnerID), u, kind, subjectID, string(b), store.Micros(tx.Now)); err != nil {
			return err
		}
	}
	return nil
}
