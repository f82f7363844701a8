package invoice

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Info is one invoice information record (发票信息) of a partner.
type Info struct {
	ID        string
	PartnerID string
	InfoFields
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// InfoFields are what a partner enters; a request copies them.
type InfoFields struct {
	TitleType   string `json:"title_type"`
	InvoiceType string `json:"invoice_type"`
	Title       string `json:"title"`
	TaxpayerID  string `json:"taxpayer_id"`
	BankName    string `json:"bank_name"`
	BankAccount string `json:"bank_account"`
	Address     string `json:"address"`
	Phone       string `json:"phone"`
}

var (
	bankAccountPattern = regexp.MustCompile(`^[0-9]{8,32}$`)
	phonePattern       = regexp.MustCompile(`^[0-9+][0-9 ()\-]{6,19}$`)
)

// normalise trims the fields and writes the taxpayer id and bank account
// without spaces, as they are compared and printed.
func (f InfoFields) normalise() InfoFields {
	f.TitleType, f.InvoiceType = strings.TrimSpace(f.TitleType), strings.TrimSpace(f.InvoiceType)
	f.Title, f.BankName = strings.TrimSpace(f.Title), strings.TrimSpace(f.BankName)
	f.Address, f.Phone = strings.TrimSpace(f.Address), strings.TrimSpace(f.Phone)
	f.TaxpayerID = NormaliseTaxpayerID(f.TaxpayerID)
	f.BankAccount = strings.Join(strings.Fields(f.BankAccount), "")
	return f
}

// validate checks each field, the first fault first. A VAT special invoice
// needs the bank, the account, the address and the phone (they are printed
// on it); an organisation is issued ordinary invoices only.
func (f InfoFields) validate() error {
	if !slices.Contains(TitleTypes, f.TitleType) {
		return apperr.Field("title_type", "invoice.title_type_invalid", "choose enterprise or organisation")
	}
	if !slices.Contains(InvoiceTypes, f.InvoiceType) {
		return apperr.Field("invoice_type", "invoice.invoice_type_invalid", "choose VAT special or VAT ordinary")
	}
	if f.TitleType == Organisation && f.InvoiceType == VATSpecial {
		return apperr.Field("invoice_type", "invoice.organisation_ordinary_only", "an organisation is issued VAT ordinary invoices only")
	}
	if f.Title == "" || utf8.RuneCountInString(f.Title) > 100 {
		return apperr.Field("title", "invoice.title_required", "enter the invoice title (at most 100 characters)")
	}
	if !ValidTaxpayerID(f.TaxpayerID) {
		return apperr.Field("taxpayer_id", "invoice.taxpayer_id_invalid",
			"the taxpayer id must be an 18-character unified social credit code with its check character right")
	}
	special := f.InvoiceType == VATSpecial
	if f.BankName == "" && special || utf8.RuneCountInString(f.BankName) > 100 {
		return apperr.Field("bank_name", "invoice.bank_name_required", "enter the bank (at most 100 characters); a VAT special invoice needs it")
	}
	if (f.BankAccount != "" || special) && !bankAccountPattern.MatchString(f.BankAccount) {
		return apperr.Field("bank_account", "invoice.bank_account_invalid", "enter the bank account: 8 to 32 digits")
	}
	if f.Address == "" && special || utf8.RuneCountInString(f.Address) > 200 {
		return apperr.Field("address", "invoice.address_required", "enter the registered address (at most 200 characters); a VAT special invoice needs it")
	}
	if (f.Phone != "" || special) && !phonePattern.MatchString(f.Phone) {
		return apperr.Field("phone", "invoice.phone_invalid", "enter the phone number: 7 to 20 digits, spaces, dashes or brackets")
	}
	return nil
}

const infoColumns = `id, partner_id, title_type, invoice_type, title, taxpayer_id, bank_name, bank_account, address, phone, created_by, created_at, updated_at`

func scanInfo(row interface{ Scan(...any) error }) (*Info, error) {
	var i Info
	var created, updated int64
	err := row.Scan(&i.ID, &i.PartnerID, &i.TitleType, &i.InvoiceType, &i.Title, &i.TaxpayerID, &i.BankName, &i.BankAccount,
		&i.Address, &i.Phone, &i.CreatedBy, &created, &updated)
	if err = store.ScanErr(err); errors.Is(err, store.ErrNotFound) {
		return nil, ErrInfoNotFound
	}
	if err != nil {
		return nil, err
	}
	i.CreatedAt, i.UpdatedAt = store.Time(created), store.Time(updated)
	return &i, nil
}

// Infos lists a partner's records, oldest first.
func Infos(ctx context.Context, q store.Queryer, partnerID string) ([]*Info, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+infoColumns+` FROM invoice_infos WHERE partner_id = ? ORDER BY created_at, id`, partnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Info
	for rows.Next() {
		i, err := scanInfo(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// GetInfo returns one of a partner's records; another partner's answers as
// not found.
func GetInfo(ctx context.Context, q store.Queryer, partnerID, id string) (*Info, error) {
	return scanInfo(q.QueryRowContext(ctx, `SELECT `+infoColumns+` FROM invoice_infos WHERE id = ? AND partner_id = ?`, id, partnerID))
}

// Policy is what the one-record rule allows a partner now, for the page to
// explain.
type Policy struct {
	Legacy bool // the account was created before RuleDate
	Held   int  // records it holds
	CanAdd bool
}

// PolicyOf tells whether a partner may add a record at now.
func PolicyOf(ctx context.Context, q store.Queryer, partnerID string, now time.Time) (*Policy, error) {
	p, err := partner.Get(ctx, q, partnerID)
	if err != nil {
		return nil, err
	}
	var held int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM invoice_infos WHERE partner_id = ?`, partnerID).Scan(&held); err != nil {
		return nil, err
	}
	// Before the rule's day any number could be added; it is how the
	// legacy accounts came to hold several.
	return &Policy{Legacy: p.CreatedAt.Before(RuleDate), Held: held, CanAdd: held == 0 || now.Before(RuleDate)}, nil
}

// CreateInfo adds a record for a partner, if the one-record rule allows it
// and it is not a second VAT special template.
func CreateInfo(ctx context.Context, tx *store.Tx, partnerID string, in InfoFields) (*Info, error) {
	in = in.normalise()
	if err := in.validate(); err != nil {
		return nil, err
	}
	if err := touchAccount(ctx, tx, partnerID); err != nil {
		return nil, err
	}
	pol, err := PolicyOf(ctx, tx, partnerID, tx.Now)
	if err != nil {
		return nil, err
	}
	if !pol.CanAdd {
		if pol.Legacy {
			return nil, apperr.New(apperr.Conflict, "invoice.info_legacy_limit",
				"accounts created before 2020-08-01 keep the %d records they hold but cannot add more; edit one of them", pol.Held)
		}
		return nil, apperr.New(apperr.Conflict, "invoice.info_one_only",
			"since 2020-08-01 an account holds one invoice information record; edit the one you have")
	}
	if err := checkOneSpecial(ctx, tx, partnerID, "", in); err != nil {
		return nil, err
	}
	by := auth.From(ctx).ActorName()
	i := &Info{ID: ids.New(), PartnerID: partnerID, InfoFields: in, CreatedBy: by, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_infos (`+infoColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		i.ID, partnerID, in.TitleType, in.InvoiceType, in.Title, in.TaxpayerID, in.BankName, in.BankAccount, in.Address, in.Phone,
		by, store.Micros(tx.Now), store.Micros(tx.Now)); err != nil {
		return nil, err
	}
	return i, audit.Record(ctx, tx, audit.Change{PartnerID: partnerID, Action: "invoice_info.create", ObjectType: "invoice_info",
		ObjectID: i.ID, After: in})
}

// UpdateInfo edits a record; the change is audited with the fields before
// and after. Saving it unchanged changes and records nothing.
func UpdateInfo(ctx context.Context, tx *store.Tx, partnerID, id string, in InfoFields) (*Info, error) {
	in = in.normalise()
	if err := in.validate(); err != nil {
		return nil, err
	}
	if err := touchAccount(ctx, tx, partnerID); err != nil {
		return nil, err
	}
	before, err := scanInfo(tx.QueryRowContext(ctx, `SELECT `+infoColumns+` FROM invoice_infos WHERE id = ? AND partner_id = ?`+
		forUpdate(tx, "invoice_infos"), id, partnerID))
	if err != nil {
		return nil, err
	}
	if before.InfoFields == in {
		return before, nil
	}
	if err := checkOneSpecial(ctx, tx, partnerID, id, in); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE invoice_infos SET title_type = ?, invoice_type = ?, title = ?, taxpayer_id = ?, bank_name = ?,
		bank_account = ?, address = ?, phone = ?, updated_at = ? WHERE id = ?`, in.TitleType, in.InvoiceType, in.Title, in.TaxpayerID,
		in.BankName, in.BankAccount, in.Address, in.Phone, store.Micros(tx.Now), id); err != nil {
		return nil, err
	}
	after := *before
	after.InfoFields, after.UpdatedAt = in, tx.Now
	return &after, audit.Record(ctx, tx, audit.Change{PartnerID: partnerID, Action: "invoice_info.update", ObjectType: "invoice_info",
		ObjectID: id, Before: before.InfoFields, After: in})
}

// checkOneSpecial refuses a second VAT special template: a partner holds at
// most one record of that type (except the one being edited).
func checkOneSpecial(ctx context.Context, tx *store.Tx, partnerID, exceptID string, in InfoFields) error {
	if in.InvoiceType != VATSpecial {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM invoice_infos WHERE partner_id = ? AND invoice_type = ? AND id <> ?`,
		partnerID, VATSpecial, exceptID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return apperr.Field("invoice_type", "invoice.one_vat_special", "the account already has a VAT special invoice template; edit that one")
	}
	return nil
}

// InfoChange is one entry of a record's change history.
type InfoChange struct {
	At      time.Time
	Actor   string
	Action  string // "invoice_info.create" or "invoice_info.update"
	Changes []FieldChange
}

// FieldChange is one field's value before and after a change.
type FieldChange struct {
	Field, Before, After string
}

// InfoHistory lists a record's changes, newest first, from the audit log.
func InfoHistory(ctx context.Context, q store.Queryer, partnerID, id string) ([]InfoChange, error) {
	entries, _, err := audit.List(ctx, q, audit.Filter{PartnerID: partnerID, ObjectID: id, Action: "invoice_info.", Limit: 200})
	if err != nil {
		return nil, err
	}
	out := make([]InfoChange, 0, len(entries))
	for _, e := range entries {
		var s struct{ Before, After *InfoFields }
		if err := json.Unmarshal([]byte(e.Summary), &s); err != nil {
			return nil, err
		}
		out = append(out, InfoChange{At: e.At, Actor: e.ActorName, Action: e.Action, Changes: diff(s.Before, s.After)})
	}
	return out, nil
}

// diff lists the fields that differ; against nothing (a creation) every
// field that has a value.
func diff(before, after *InfoFields) []FieldChange {
	var b, a InfoFields
	if before != nil {
		b = *before
	}
	if after != nil {
		a = *after
	}
	var out []FieldChange
	for _, f := range []struct{ name, before, after string }{
		{"title_type", b.TitleType, a.TitleType}, {"invoice_type", b.InvoiceType, a.InvoiceType}, {"title", b.Title, a.Title},
		{"taxpayer_id", b.TaxpayerID, a.TaxpayerID}, {"bank_name", b.BankName, a.BankName},
		{"bank_account", b.BankAccount, a.BankAccount}, {"address", b.Address, a.Address}, {"phone", b.Phone, a.Phone},
	} {
		if f.before != f.after {
			out = append(out, FieldChange{Field: f.name, Before: f.before, After: f.after})
		}
	}
	return out
}
