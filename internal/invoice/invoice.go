// Package invoice owns 发票管理: a partner's invoice information (the
// titles, taxpayer ids and bank details it is invoiced under, with the rule
// in force since 2020-08-01 that an account holds one record) and its
// invoice requests against the money it paid the provider, from provider
// finance's review through issuing to the partner's signature (签收), with
// rejections and returns (退票); and the electronic invoice, a PDF made from
// an issued request.
//
// What may be invoiced: the money a partner paid the provider is what
// provider finance recorded into its 充值账户 (recharges, trade type
// RECHARGE), less what went back to it as withdrawals (提现, approved or
// still pending: money paid back was not paid for services, and a pending
// one may still be paid back). Allocations to customers, consumption and
// refunds move money the partner already paid and are not counted again.
// The invoiceable amount is that, less every request not rejected or
// returned; a rejected or returned request frees its amount.
//
// Every change is written to the audit log (package audit) in the same
// transaction, and the audit log is what the pages show as a record's change
// history and a request's timeline.
package invoice

import (
	"context"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Title types (抬头类型).
const (
	Enterprise   = "enterprise"   // 企业
	Organisation = "organisation" // 非企业性单位 (government bodies, institutions): ordinary invoices only
)

// TitleTypes lists them in the order the form offers them.
var TitleTypes = []string{Enterprise, Organisation}

// Invoice types.
const (
	VATSpecial  = "vat_special"  // 增值税专用发票
	VATOrdinary = "vat_ordinary" // 增值税普通发票
)

// InvoiceTypes lists them in the order the form offers them.
var InvoiceTypes = []string{VATSpecial, VATOrdinary}

// RuleDate is when the one-record rule took effect: from 2020-08-01 (Beijing
// time) an account holds one valid invoice information record; accounts
// created before keep the records they had but cannot add more.
var RuleDate = time.Date(2020, 8, 1, 0, 0, 0, 0, time.FixedZone("UTC+8", 8*3600))

// Viewer is who looks at requests: a partner (its own) or provider staff
// (every partner's).
type Viewer struct {
	PartnerID string // empty: provider staff
}

func (v Viewer) condition() (string, []any) {
	if v.PartnerID == "" {
		return "1=1", nil
	}
	return "r.partner_id = ?", []any{v.PartnerID}
}

// Errors other packages may compare with.
var (
	ErrInfoNotFound    = apperr.NotFoundf("invoice.info_not_found", "the invoice information does not exist")
	ErrRequestNotFound = apperr.NotFoundf("invoice.request_not_found", "the invoice request does not exist")
)

// touchAccount writes the partner's invoicing row. Every change that
// checks a per-partner total (records held, amount requested) calls it
// first: on PostgreSQL the upsert holds the row's lock until commit, so such
// changes of one partner run one after the other; on SQLite the transaction
// is already the only writer.
func touchAccount(ctx context.Context, tx *store.Tx, partnerID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO invoice_accounts (partner_id, touched_at) VALUES (?, ?)
		ON CONFLICT (partner_id) DO UPDATE SET touched_at = excluded.touched_at`, partnerID, store.Micros(tx.Now))
	return err
}

// forUpdate is the suffix that locks the rows a SELECT reads on PostgreSQL;
// SQLite's writer transaction already excludes other writers.
func forUpdate(tx *store.Tx, table string) string {
	if tx.Dialect() == store.Postgres {
		return " FOR UPDATE OF " + table
	}
	return ""
}
