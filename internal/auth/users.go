package auth

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// User is a person who signs in to the console.
type User struct {
	ID           string
	Username     string
	DisplayName  string
	PartnerID    string // empty for provider staff
	IsMain       bool
	Roles        []Role
	PasswordHash string
	Locale       string
	TimeZone     string
	Email        string
	Mobile       string
	Disabled     bool
	CreatedAt    time.Time
}

// IsStaff reports whether the user is provider staff.
func (u *User) IsStaff() bool { return u.PartnerID == "" }

// Principal is the user as a request's actor.
func (u *User) Principal() *Principal {
	kind := KindPartner
	if u.IsStaff() {
		kind = KindStaff
	}
	return &Principal{Kind: kind, UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName,
		PartnerID: u.PartnerID, IsMain: u.IsMain, Roles: u.Roles, Locale: u.Locale, TimeZone: u.TimeZone}
}

const userColumns = `id, username, display_name, COALESCE(partner_id, ''), is_main, roles, password_hash, locale,
	time_zone, email, mobile, disabled, created_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var roles string
	var created int64
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.PartnerID, &u.IsMain, &roles, &u.PasswordHash, &u.Locale,
		&u.TimeZone, &u.Email, &u.Mobile, &u.Disabled, &created)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	u.Roles, u.CreatedAt = ParseRoles(roles), store.Time(created)
	return &u, nil
}

var errUserNotFound = apperr.NotFoundf("user.not_found", "user not found")

// GetUser returns a user by id.
func GetUser(ctx context.Context, q store.Queryer, id string) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUserNotFound
	}
	return u, err
}

// GetUserByUsername returns a user by sign-in name.
func GetUserByUsername(ctx context.Context, q store.Queryer, username string) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUserNotFound
	}
	return u, err
}

// GetTenantUser returns a user of one partner; a user of another tenant
// answers not found.
func GetTenantUser(ctx context.Context, q store.Queryer, partnerID, id string) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ? AND partner_id = ?`, id, partnerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUserNotFound
	}
	return u, err
}

// ListPartnerUsers returns a partner's users, main account first.
func ListPartnerUsers(ctx context.Context, q store.Queryer, partnerID string) ([]*User, error) {
	return listUsers(ctx, q, `WHERE partner_id = ? ORDER BY is_main DESC, username`, partnerID)
}

// ListStaff returns the provider's staff, optionally only those with a role.
func ListStaff(ctx context.Context, q store.Queryer) ([]*User, error) {
	return listUsers(ctx, q, `WHERE partner_id IS NULL ORDER BY username`)
}

func listUsers(ctx context.Context, q store.Queryer, where string, args ...any) ([]*User, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// NewUser is what is needed to create a user.
type NewUser struct {
	Username    string
	DisplayName string
	PartnerID   string // empty: provider staff
	IsMain      bool
	Roles       []Role
	Password    string
	Email       string
	Mobile      string
	Locale      string
}

var usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,63}$`)

// Validate checks a new user's fields.
func (n *NewUser) Validate() error {
	n.Username = strings.TrimSpace(n.Username)
	if !usernamePattern.MatchString(n.Username) {
		return apperr.Field("username", "user.username_invalid", "the user name must be 2-64 lowercase letters, digits, dots, underscores or hyphens, starting with a letter")
	}
	if strings.TrimSpace(n.DisplayName) == "" {
		n.DisplayName = n.Username
	}
	valid := ValidPartnerRole
	if n.PartnerID == "" {
		valid = ValidStaffRole
	}
	if len(n.Roles) == 0 && !n.IsMain {
		return apperr.Field("roles", "user.roles_required", "choose at least one role")
	}
	for _, r := range n.Roles {
		if !valid(r) {
			return apperr.Field("roles", "user.role_invalid", "unknown role %q", string(r))
		}
	}
	if err := CheckPasswordPolicy("password", n.Password); err != nil {
		return err
	}
	if n.Locale == "" {
		n.Locale = "zh-CN"
	}
	return nil
}

// CreateUser adds a user; the username must be free.
func CreateUser(ctx context.Context, tx *store.Tx, n NewUser) (*User, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	u := &User{ID: ids.New(), Username: n.Username, DisplayName: n.DisplayName, PartnerID: n.PartnerID, IsMain: n.IsMain,
		Roles: n.Roles, PasswordHash: HashPassword(n.Password), Locale: n.Locale, TimeZone: "Asia/Shanghai",
		Email: n.Email, Mobile: n.Mobile, CreatedAt: tx.Now}
	var partner any
	if u.PartnerID != "" {
		partner = u.PartnerID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, partner_id, is_main, roles, password_hash,
		locale, time_zone, email, mobile, disabled, created_at, password_changed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.DisplayName, partner, u.IsMain, FormatRoles(u.Roles), u.PasswordHash, u.Locale, u.TimeZone,
		u.Email, u.Mobile, false, store.Micros(tx.Now), store.Micros(tx.Now))
	if errors.Is(err, store.ErrConflict) {
		return nil, apperr.Field("username", "user.username_taken", "this user name is taken")
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// SetRoles replaces a partner sub-account's roles and enabled state. The main
// account's roles are not edited: it holds every permission.
func SetRoles(ctx context.Context, tx *store.Tx, partnerID, userID string, roles []Role, disabled bool) (before, after *User, err error) {
	before, err = GetTenantUser(ctx, tx, partnerID, userID)
	if err != nil {
		return nil, nil, err
	}
	if before.IsMain {
		return nil, nil, apperr.New(apperr.Conflict, "user.main_fixed", "the main account's roles cannot be changed")
	}
	if len(roles) == 0 {
		return nil, nil, apperr.Field("roles", "user.roles_required", "choose at least one role")
	}
	for _, r := range roles {
		if !ValidPartnerRole(r) {
			return nil, nil, apperr.Field("roles", "user.role_invalid", "unknown role %q", string(r))
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET roles = ?, disabled = ? WHERE id = ?`, FormatRoles(roles), disabled, userID); err != nil {
		return nil, nil, err
	}
	if disabled {
		if err := deleteUserSessions(ctx, tx, userID); err != nil {
			return nil, nil, err
		}
	}
	after = &User{}
	*after = *before
	after.Roles, after.Disabled = roles, disabled
	return before, after, nil
}

// ChangePassword checks the current password and sets a new one. Every other
// session of the user ends, so a stolen session does not outlive the change.
func ChangePassword(ctx context.Context, tx *store.Tx, userID, current, next, keepTokenHash string) error {
	u, err := GetUser(ctx, tx, userID)
	if err != nil {
		return err
	}
	if !VerifyPassword(u.PasswordHash, current) {
		return apperr.Field("current", "auth.password_wrong", "the current password is wrong")
	}
	if err := CheckPasswordPolicy("new", next); err != nil {
		return err
	}
	if current == next {
		return apperr.Field("new", "auth.password_same", "the new password must differ from the current one")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?`,
		HashPassword(next), store.Micros(tx.Now), userID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keepTokenHash)
	return err
}

// SetLocale remembers the user's language.
func SetLocale(ctx context.Context, tx *store.Tx, userID, locale string) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET locale = ? WHERE id = ?`, locale, userID)
	return err
}
