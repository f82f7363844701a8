package funds

import (
	"context"
	"errors"

	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Charge is money a customer pays the provider's cloud from its balance (an
// order, an hour of pay-per-use) or gets back (an unsubscription).
type Charge struct {
	PartnerID  string
	CustomerID string
	Amount     int64
	// ClientID makes the charge idempotent: an order id, a resource-hour.
	ClientID string
	Meta     map[string]string
}

// ErrCustomerBalanceInsufficient answers a charge the customer's balance cannot cover.
var ErrCustomerBalanceInsufficient = apperr.New(apperr.Insufficient, "funds.customer_balance_insufficient",
	"the customer's balance is not enough")

// revenueShards is how many accounts the cloud's revenue is spread over
// (ledger.Shard): with one, concurrent payments of different customers
// queue on its row on PostgreSQL. A customer always uses the same shard,
// so its charges and refunds meet in one account.
const revenueShards = 64

// cloudRevenue is where what a customer pays the cloud goes.
func cloudRevenue(ctx context.Context, tx *store.Tx, customerID string) (*ledger.Account, error) {
	return ledger.Open(ctx, tx, ledger.AccountSpec{Kind: "cloud_revenue", OwnerType: ownerProvider,
		OwnerID: ledger.Shard("provider", customerID, revenueShards), Unbounded: true})
}

// ChargeCustomer takes a charge from the customer's balance (trade type
// DEDEUCT). A balance that cannot cover it is refused with
// ErrCustomerBalanceInsufficient and nothing moves.
func ChargeCustomer(ctx context.Context, tx *store.Tx, c Charge) (*ledger.Transfer, error) {
	if err := checkAmount(c.Amount); err != nil {
		return nil, err
	}
	acct, err := customerAccount(ctx, tx, c.PartnerID, c.CustomerID)
	if err != nil {
		return nil, err
	}
	revenue, err := cloudRevenue(ctx, tx, c.CustomerID)
	if err != nil {
		return nil, err
	}
	ts, err := ledger.Apply(ctx, tx, ledger.Request{ClientID: c.ClientID, Debit: acct.ID, Credit: revenue.ID, Amount: c.Amount,
		Code: TradeDeduct, Meta: withCustomer(c)})
	var insufficient *ledger.InsufficientError
	if errors.As(err, &insufficient) {
		return nil, ErrCustomerBalanceInsufficient
	}
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// RefundCustomer gives money back to the customer's balance (trade type REFUND).
func RefundCustomer(ctx context.Context, tx *store.Tx, c Charge) (*ledger.Transfer, error) {
	if err := checkAmount(c.Amount); err != nil {
		return nil, err
	}
	acct, err := customerAccount(ctx, tx, c.PartnerID, c.CustomerID)
	if err != nil {
		return nil, err
	}
	revenue, err := cloudRevenue(ctx, tx, c.CustomerID)
	if err != nil {
		return nil, err
	}
	ts, err := ledger.Apply(ctx, tx, ledger.Request{ClientID: c.ClientID, Debit: revenue.ID, Credit: acct.ID, Amount: c.Amount,
		Code: TradeRefund, Meta: withCustomer(c)})
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// CustomerAvailable is what a customer can spend now (0 when it has no account yet).
func CustomerAvailable(ctx context.Context, q store.Queryer, customerID string) (int64, error) {
	_, available, err := CustomerBalance(ctx, q, customerID)
	return available, err
}

func withCustomer(c Charge) map[string]string {
	meta := map[string]string{"customer_id": c.CustomerID}
	for k, v := range c.Meta {
		meta[k] = v
	}
	return meta
}
