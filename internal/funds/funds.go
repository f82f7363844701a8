// Package funds owns the money of partners and their customers: a partner's
// 充值账户 (recharge account) and 信用账户 (credit account with a line set by
// provider finance), resale customers' balances, recharges and withdrawals,
// 拨款 / 回收 to customers and between a total distributor and its resellers,
// and the 调账记录 they leave. Every movement is a ledger transfer; this
// package decides which accounts, codes and rules apply.
package funds

import (
	"context"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Ledger account kinds and owners used by funds.
const (
	KindRecharge = "recharge"         // 充值账户
	KindCredit   = "credit"           // 信用账户
	KindCustomer = "customer_balance" // a resale customer's balance

	ownerPartner  = "partner"
	ownerCustomer = "customer"
	ownerProvider = "provider"
)

// Trade types (ledger codes), as ListPartnerAccountChangeRecords names them.
const (
	TradeRecharge   = "RECHARGE"
	TradeDeduct     = "DEDEUCT" // the API's spelling
	TradeRefund     = "REFUND"
	TradeAdjust     = "ADJUST"
	TradeAllocate   = "BEADJUST"
	TradeReclaim    = "BERETRIEVE"
	TradeUnbind     = "BEUNBIND"
	TradeModeChange = "TRADE_MODE_TRANSFER"
)

// TradeTypes lists the trade types a statement can be filtered by.
var TradeTypes = []string{TradeRecharge, TradeDeduct, TradeRefund, TradeAdjust, TradeAllocate, TradeReclaim, TradeUnbind, TradeModeChange}

// Adjustment operation types of 调账记录 (ListPartnerAdjustRecords).
const (
	OpAllocate = "SOURCE_OPERATION_BEADJUST"
	OpReclaim  = "SOURCE_OPERATION_BERETRIEVE"
	OpUnbind   = "SOURCE_OPERATION_BEUNBIND"
)

// providerBank is the outside world: recharges come from it and withdrawals
// go to it. It is the only account here allowed below zero without limit.
func providerBank(ctx context.Context, tx *store.Tx) (*ledger.Account, error) {
	return ledger.Open(ctx, tx, ledger.AccountSpec{Kind: "bank", OwnerType: ownerProvider, OwnerID: "provider", Unbounded: true})
}

// openPartnerAccounts returns a partner's recharge and credit accounts, opening
// those not opened yet; one query when both exist, as they do once the
// partner has had money.
func openPartnerAccounts(ctx context.Context, tx *store.Tx, partnerID string) (recharge, credit *ledger.Account, err error) {
	found, err := ledger.FindKinds(ctx, tx, ownerPartner, partnerID, KindRecharge, KindCredit)
	if err != nil {
		return nil, nil, err
	}
	recharge, credit = found[KindRecharge], found[KindCredit]
	if recharge == nil {
		if recharge, err = rechargeAccount(ctx, tx, partnerID); err != nil {
			return nil, nil, err
		}
	}
	if credit == nil {
		if credit, err = creditAccount(ctx, tx, partnerID); err != nil {
			return nil, nil, err
		}
	}
	return recharge, credit, nil
}

func rechargeAccount(ctx context.Context, tx *store.Tx, partnerID string) (*ledger.Account, error) {
	return ledger.Open(ctx, tx, partnerAccountSpec(partnerID, KindRecharge))
}

func creditAccount(ctx context.Context, tx *store.Tx, partnerID string) (*ledger.Account, error) {
	return ledger.Open(ctx, tx, partnerAccountSpec(partnerID, KindCredit))
}

func customerAccount(ctx context.Context, tx *store.Tx, partnerID, customerID string) (*ledger.Account, error) {
	return ledger.Open(ctx, tx, customerAccountSpec(partnerID, customerID))
}

// partnerAccountSpec is a partner's account of a kind (recharge or credit).
func partnerAccountSpec(partnerID, kind string) ledger.AccountSpec {
	return ledger.AccountSpec{Kind: kind, OwnerType: ownerPartner, OwnerID: partnerID, PartnerID: partnerID}
}

// customerAccountSpec is the balance a partner holds for its customer.
func customerAccountSpec(partnerID, customerID string) ledger.AccountSpec {
	return ledger.AccountSpec{Kind: KindCustomer, OwnerType: ownerCustomer, OwnerID: customerID, PartnerID: partnerID}
}

// Balances are a partner's two accounts.
type Balances struct {
	RechargeAccountID string
	Recharge          int64 // 充值账户 balance
	RechargeAvailable int64 // less what withdrawals hold
	CreditAccountID   string
	CreditLine        int64 // 信用额度
	CreditUsed        int64 // how much of the line is used
	CreditAvailable   int64
}

// PartnerBalances returns a partner's balances (zero for accounts not opened yet).
func PartnerBalances(ctx context.Context, q store.Queryer, partnerID string) (*Balances, error) {
	accounts, err := ledger.FindKinds(ctx, q, ownerPartner, partnerID, KindRecharge, KindCredit)
	if err != nil {
		return nil, err
	}
	b := &Balances{}
	if r := accounts[KindRecharge]; r != nil {
		b.RechargeAccountID, b.Recharge, b.RechargeAvailable = r.ID, r.Balance(), r.Available()
	}
	if c := accounts[KindCredit]; c != nil {
		b.CreditAccountID, b.CreditLine, b.CreditUsed, b.CreditAvailable = c.ID, c.CreditLimit, -c.Balance(), c.Available()
	}
	return b, nil
}

// CustomerBalance returns a customer's balance held for it by its partner.
func CustomerBalance(ctx context.Context, q store.Queryer, customerID string) (balance, available int64, err error) {
	a, err := ledger.Find(ctx, q, ownerCustomer, customerID, KindCustomer)
	if errors.Is(err, ledger.ErrAccountNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	return a.Balance(), a.Available(), nil
}

// CustomerBalances is CustomerBalance of many customers in one query: the
// balance and available amount by customer id; a customer without an
// account (no money yet) has none and is left out.
func CustomerBalances(ctx context.Context, q store.Queryer, customerIDs []string) (map[string][2]int64, error) {
	found, err := ledger.FindMany(ctx, q, ownerCustomer, KindCustomer, customerIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string][2]int64, len(found))
	for id, a := range found {
		out[id] = [2]int64{a.Balance(), a.Available()}
	}
	return out, nil
}

// Result is the outcome of a money operation.
type Result struct {
	TransID  string // the operation's id (the API's transfer_id / trans_id)
	Amount   int64
	Replayed bool // an earlier request with the same client id did it
}

func checkAmount(amount int64) error {
	if amount <= 0 {
		return apperr.Field("amount", "funds.amount_positive", "the amount must be greater than zero").WithAPICode("CBC.0100")
	}
	return nil
}

func clientID(id string) string {
	if id == "" {
		return ids.New()
	}
	return id
}

// Recharge records money received for a partner (a bank transfer or an
// online payment), entered by provider finance.
func Recharge(ctx context.Context, tx *store.Tx, partnerID string, amount int64, method, reference, client string) (*Result, error) {
	if err := checkAmount(amount); err != nil {
		return nil, err
	}
	if method != "bank_transfer" && method != "online_payment" {
		return nil, apperr.Field("method", "funds.recharge_method", "choose bank transfer or online payment")
	}
	if _, err := partner.Get(ctx, tx, partnerID); err != nil {
		return nil, err
	}
	bank, err := providerBank(ctx, tx)
	if err != nil {
		return nil, err
	}
	acct, err := rechargeAccount(ctx, tx, partnerID)
	if err != nil {
		return nil, err
	}
	ts, err := ledger.Apply(ctx, tx, ledger.Request{ClientID: clientID(client), Debit: bank.ID, Credit: acct.ID, Amount: amount,
		Code: TradeRecharge, Meta: map[string]string{"method": method, "reference": strings.TrimSpace(reference)}})
	if err != nil {
		return nil, err
	}
	return &Result{TransID: ts[0].LinkedID, Amount: amount, Replayed: ts[0].Replayed}, nil
}

// SetCreditLine sets a partner's credit line; the change and its reason are
// kept as history. Lowering it below what is used is refused.
func SetCreditLine(ctx context.Context, tx *store.Tx, partnerID string, line int64, reason, by string) (before int64, err error) {
	if strings.TrimSpace(reason) == "" {
		return 0, apperr.Field("reason", "funds.reason_required", "a reason is required")
	}
	if line < 0 {
		return 0, apperr.Field("credit_line", "funds.credit_line_negative", "the credit line cannot be negative")
	}
	if _, err := partner.Get(ctx, tx, partnerID); err != nil {
		return 0, err
	}
	acct, err := creditAccount(ctx, tx, partnerID)
	if err != nil {
		return 0, err
	}
	if before, err = ledger.SetCreditLimit(ctx, tx, acct.ID, line); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO credit_line_changes (id, partner_id, before_fen, after_fen, reason, changed_by, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, ids.New(), partnerID, before, line, strings.TrimSpace(reason), by, store.Micros(tx.Now))
	return before, err
}

// CreditLineChange is one change of a credit line.
type CreditLineChange struct {
	Before, After int64
	Reason, By    string
	At            time.Time
}

// CreditLineHistory lists a partner's credit line changes, newest first.
func CreditLineHistory(ctx context.Context, q store.Queryer, partnerID string) ([]CreditLineChange, error) {
	rows, err := q.QueryContext(ctx, `SELECT before_fen, after_fen, reason, changed_by, at FROM credit_line_changes
		WHERE partner_id = ? ORDER BY at DESC, id DESC`, partnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CreditLineChange
	for rows.Next() {
		var c CreditLineChange
		var at int64
		if err := rows.Scan(&c.Before, &c.After, &c.Reason, &c.By, &at); err != nil {
			return nil, err
		}
		c.At = store.Time(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
