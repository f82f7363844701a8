package api

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"partnercenter/internal/auth"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// The funds operations: balances, 收支明细, 拨款 and 回收 to customers and
// between a total distributor and its resellers, and 调账记录. Amounts come
// and go in yuan with two decimals and are int64 fen inside.

// accountBalance is the SDK's model.AccountBalanceV2 (the ListPartnerBalances
// response's rows; AccountBalanceV3 has the same fields but memo).
type accountBalance struct {
	AccountID        string `json:"account_id"`
	AccountType      int    `json:"account_type"`
	Amount           yuan   `json:"amount"`
	Currency         string `json:"currency"`
	DesignatedAmount yuan   `json:"designated_amount"`
	CreditAmount     *yuan  `json:"credit_amount,omitempty"`
	MeasureID        int    `json:"measure_id"`
}

// Account types of ListPartnerBalances.
const (
	accountTypeBalance = 1 // 充值账户
	accountTypeCredit  = 2 // 信用账户
)

// listPartnerBalancesResponse is the SDK's model.ListPartnerBalancesResponse.
type listPartnerBalancesResponse struct {
	AccountBalances []accountBalance `json:"account_balances"`
}

// listPartnerBalances is ListPartnerBalances: the caller's (or, with
// indirect_partner_id, a reseller's) recharge account, whose designated
// amount is what pending withdrawals hold and cannot be allocated, and its
// credit account, whose amount is the credit still available and
// credit_amount the line. An account not used yet reads zero, without id.
func listPartnerBalances(c *Call) (any, error) {
	indirect, err := c.queryString("indirect_partner_id", 64)
	if err != nil {
		return nil, err
	}
	acting, err := c.actingFor("indirect_partner_id", &indirect)
	if err != nil {
		return nil, err
	}
	b, err := funds.PartnerBalances(c.ctx(), c.reader(), acting)
	if err != nil {
		return nil, err
	}
	line := yuan(b.CreditLine)
	return listPartnerBalancesResponse{AccountBalances: []accountBalance{
		{AccountID: b.RechargeAccountID, AccountType: accountTypeBalance, Amount: yuan(b.Recharge), Currency: currencyCNY,
			DesignatedAmount: yuan(b.Recharge - b.RechargeAvailable), MeasureID: measureYuan},
		{AccountID: b.CreditAccountID, AccountType: accountTypeCredit, Amount: yuan(b.CreditAvailable), Currency: currencyCNY,
			CreditAmount: &line, MeasureID: measureYuan},
	}}, nil
}

// listPartnerAccountChangeRecordsResponse is the SDK's
// model.ListPartnerAccountChangeRecordsResponse.
type listPartnerAccountChangeRecordsResponse struct {
	TotalCount int64                 `json:"total_count"`
	Currency   string                `json:"currency"`
	Records    []accountChangeRecord `json:"records"`
}

// accountChangeRecord is the SDK's model.AccountChangeRecord, whose amounts
// are strings.
type accountChangeRecord struct {
	AccountChangeID    string `json:"account_change_id"`
	TradeDetailType    string `json:"trade_detail_type"`
	TradeTime          string `json:"trade_time"`
	TradeID            string `json:"trade_id"`
	ChangeAmount       string `json:"change_amount"`
	BalanceAfterChange string `json:"balance_after_change"`
	Type               string `json:"type"`
	CustomerID         string `json:"customer_id,omitempty"`
	AccountName        string `json:"account_name,omitempty"`
}

// Income and expense, as AccountChangeRecord's type.
const (
	changeIncome  = "1"
	changeExpense = "2"
)

// listPartnerAccountChangeRecords is ListPartnerAccountChangeRecords (收支明细):
// one page of an account's entries, newest first, over billing days in UTC+8
// (at most a year; by default the year up to today), with the count of the
// whole range. change_amount is the entry's size and type says its
// direction; balance_after_change is the account's exact balance after it.
func listPartnerAccountChangeRecords(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "balance_type", "trade_type", "trade_time_begin", "trade_time_end", "indirect_partner_id")
	if err != nil {
		return nil, err
	}
	q := funds.StatementQuery{BalanceType: vals[0], TradeType: vals[1]}
	if q.From, err = billingDate("trade_time_begin", vals[2]); err != nil {
		return nil, err
	}
	if q.To, err = billingDate("trade_time_end", vals[3]); err != nil {
		return nil, err
	}
	p, err := c.queryPaging(10, 100)
	if err != nil {
		return nil, err
	}
	q.Offset, q.Limit = p.Offset, p.Limit
	if q.PartnerID, err = c.actingFor("indirect_partner_id", &vals[4]); err != nil {
		return nil, err
	}
	if err := q.Normalize(c.s.app.DB.Now()); err != nil {
		return nil, err
	}
	lines, tot, err := funds.Statement(c.ctx(), c.reader(), q)
	if err != nil {
		return nil, err
	}
	out := listPartnerAccountChangeRecordsResponse{TotalCount: tot.Count, Currency: currencyCNY,
		Records: make([]accountChangeRecord, len(lines))}
	for i, l := range lines {
		r := accountChangeRecord{AccountChangeID: l.ID, TradeDetailType: l.TradeDetailType, TradeTime: formatTime(l.TradeTime),
			TradeID: l.TradeID, ChangeAmount: yuanText(l.Amount), BalanceAfterChange: yuanText(l.BalanceAfter), Type: changeIncome,
			CustomerID: l.CustomerID, AccountName: l.AccountName}
		if !l.Income() {
			r.ChangeAmount, r.Type = yuanText(-l.Amount), changeExpense
		}
		out.Records[i] = r
	}
	return out, nil
}

// adjustAccountReq is the SDK's model.AdjustAccountReq (拨款) and, with the
// same fields, model.ReclaimToPartnerAccountBalancesReq (回收).
type adjustAccountReq struct {
	CustomerID        string  `json:"customer_id"`
	Amount            amount  `json:"amount"`
	IndirectPartnerID *string `json:"indirect_partner_id"`
}

// updateCustomerAccountAmountResponse is the SDK's
// model.UpdateCustomerAccountAmountResponse (and
// UpdateIndirectPartnerAccountResponse).
type updateCustomerAccountAmountResponse struct {
	TransferID string `json:"transfer_id"`
}

// reclaimToPartnerAccountResponse is the SDK's
// model.ReclaimToPartnerAccountResponse (and
// ReclaimIndirectPartnerAccountResponse).
type reclaimToPartnerAccountResponse struct {
	TransID string `json:"trans_id"`
}

// moveFunc is a funds operation between a partner and one party (a customer
// or a reseller).
type moveFunc func(tx *store.Tx, partnerID, party string, fen int64, operator, client string) (*funds.Result, error)

// updateCustomerAccountAmount is UpdateCustomerAccountAmount (拨款): money
// from the caller's accounts (or, with indirect_partner_id, a reseller's) to
// one of its resale customers, the recharge account first and then the
// credit line.
func updateCustomerAccountAmount(c *Call) (any, error) {
	return adjustCustomer(c, funds.OpAllocate, func(r *funds.Result) any { return updateCustomerAccountAmountResponse{TransferID: r.TransID} })
}

// reclaimToPartnerAccount is ReclaimToPartnerAccount (回收): money back from
// a resale customer, never more than its available balance.
func reclaimToPartnerAccount(c *Call) (any, error) {
	return adjustCustomer(c, funds.OpReclaim, func(r *funds.Result) any { return reclaimToPartnerAccountResponse{TransID: r.TransID} })
}

// adjustCustomer runs a 拨款 or 回收 of a customer: handed to the move
// batcher (move_batch.go), which applies it with the others arriving at the
// same time.
func adjustCustomer(c *Call, op string, answer func(*funds.Result) any) (any, error) {
	var req adjustAccountReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.CustomerID == "" || len(req.CustomerID) > 64 {
		return nil, fieldError("CBC.0100", "customer_id", "api.customer_id", "is required (at most 64 characters)")
	}
	fen, err := req.Amount.fen("amount")
	if err != nil {
		return nil, err
	}
	acting, err := c.actingFor("indirect_partner_id", req.IndirectPartnerID)
	if err != nil {
		return nil, err
	}
	if err := c.require(auth.PermFundsMove); err != nil {
		return nil, err
	}
	m := funds.CustomerMove{PartnerID: acting, CustomerID: req.CustomerID, Op: op, Amount: fen,
		Operator: c.Principal.ActorName(), Client: c.clientID()}
	got := c.s.moves.submit(&pendingMove{move: m, idem: c.idem, answer: answer, alone: func() (any, error) {
		return c.move(func(tx *store.Tx, partnerID, party string, fen int64, operator, client string) (*funds.Result, error) {
			return funds.MoveCustomer(c.ctx(), tx, m)
		}, acting, req.CustomerID, fen, answer)
	}})
	if got.stored != nil {
		c.idem.saved, c.idem.body = true, got.stored
	}
	return got.res, asCode(got.err, apperr.Insufficient, "CBC.99005003")
}

// adjustToIndirectPartnerReq is the SDK's model.AdjustToIndirectPartnerReq
// and, with the same fields, model.ReclaimIndirectPartnerAccountReq.
type adjustToIndirectPartnerReq struct {
	IndirectPartnerID string `json:"indirect_partner_id"`
	Amount            amount `json:"amount"`
}

// updateIndirectPartnerAccount is UpdateIndirectPartnerAccount: a total
// distributor's money to one of its resellers' recharge account.
func updateIndirectPartnerAccount(c *Call) (any, error) {
	return adjustReseller(c, func(tx *store.Tx, distributorID, resellerID string, fen int64, operator, client string) (*funds.Result, error) {
		return funds.AllocateToReseller(c.ctx(), tx, distributorID, resellerID, fen, operator, client)
	}, func(r *funds.Result) any { return updateCustomerAccountAmountResponse{TransferID: r.TransID} })
}

// reclaimIndirectPartnerAccount is ReclaimIndirectPartnerAccount: money back
// from a reseller's recharge account, never more than it has available.
func reclaimIndirectPartnerAccount(c *Call) (any, error) {
	return adjustReseller(c, func(tx *store.Tx, distributorID, resellerID string, fen int64, operator, client string) (*funds.Result, error) {
		return funds.ReclaimFromReseller(c.ctx(), tx, distributorID, resellerID, fen, operator, client)
	}, func(r *funds.Result) any { return reclaimToPartnerAccountResponse{TransID: r.TransID} })
}

func adjustReseller(c *Call, move moveFunc, answer func(*funds.Result) any) (any, error) {
	var req adjustToIndirectPartnerReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if err := c.requireDistributor(); err != nil {
		return nil, err
	}
	if req.IndirectPartnerID == "" || len(req.IndirectPartnerID) > 64 {
		return nil, fieldError("CBC.0100", "indirect_partner_id", "api.indirect_partner_id", "is required (at most 64 characters)")
	}
	fen, err := req.Amount.fen("amount")
	if err != nil {
		return nil, err
	}
	return c.move(move, c.Partner.ID, req.IndirectPartnerID, fen, answer)
}

// requireDistributor refuses a caller that is not a total distributor, as
// the provider documents the reseller operations: with CBC.0151 rather than
// not found, so that a misconfigured platform learns why.
func (c *Call) requireDistributor() error {
	if c.Partner.Type != partner.TotalDistributor {
		return apiError("CBC.0151", "api.not_distributor", "Access denied: only a total distributor has indirect partners")
	}
	return nil
}

// move runs a money movement in the call's transaction. The ledger client id
// comes from the Idempotency-Key when there is one, so that a retry never
// moves money twice, even were its stored answer gone; not enough balance
// answers with the provider's CBC.99005003.
func (c *Call) move(move moveFunc, partnerID, party string, fen int64, answer func(*funds.Result) any) (any, error) {
	if err := c.require(auth.PermFundsMove); err != nil {
		return nil, err
	}
	res, err := c.InTx(func(tx *store.Tx) (any, error) {
		r, err := move(tx, partnerID, party, fen, c.Principal.ActorName(), c.clientID())
		if err != nil {
			return nil, err
		}
		return answer(r), nil
	})
	return res, asCode(err, apperr.Insufficient, "CBC.99005003")
}

// clientID is the funds client id of a mutation: derived from its
// Idempotency-Key and the key's scope when it has one, else empty (the funds
// package then makes one up).
func (c *Call) clientID() string {
	if c.idem == nil {
		return ""
	}
	id := "api:" + c.idem.scope + ":" + c.idem.key
	if len(id) > maxClientID {
		sum := sha256.Sum256([]byte(id))
		id = "api:" + c.idem.scope + ":sha256:" + hex.EncodeToString(sum[:])
	}
	return id
}

// maxClientID keeps a derived client id, and the ledger's per-transfer ids
// made from it, within the ledger's 200 characters.
const maxClientID = 160

// listPartnerAdjustRecordsResponse is the SDK's
// model.ListPartnerAdjustRecordsResponse.
type listPartnerAdjustRecordsResponse struct {
	Records    []adjustRecordV3 `json:"records"`
	TotalCount int              `json:"total_count"`
}

// adjustRecordV3 is the SDK's model.AdjustRecordV3.
type adjustRecordV3 struct {
	CustomerID    string `json:"customer_id"`
	CustomerName  string `json:"customer_name"`
	OperationType string `json:"operation_type"`
	Amount        string `json:"amount"`
	Currency      string `json:"currency"`
	OperationTime string `json:"operation_time"`
	MeasureID     int    `json:"measure_id"`
	TransID       string `json:"trans_id"`
	Memo          string `json:"memo,omitempty"`
}

var adjustOperationTypes = []string{funds.OpAllocate, funds.OpReclaim, funds.OpUnbind}

// listPartnerAdjustRecords is ListPartnerAdjustRecords (调账记录): one page
// of the caller's (or a reseller's) allocations, reclaims and unbind returns,
// newest first, with the count of all that match. customer_id and
// customer_name name the customer, or the reseller for a distributor's
// allocations to its resellers.
func listPartnerAdjustRecords(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "customer_id", "operation_type", "operation_time_begin", "operation_time_end", "trans_id",
		"indirect_partner_id")
	if err != nil {
		return nil, err
	}
	var f funds.AdjustmentFilter
	f.CustomerID, f.OperationType, f.TransID = vals[0], vals[1], vals[4]
	if f.OperationType != "" && !slices.Contains(adjustOperationTypes, f.OperationType) {
		return nil, fieldError("CBC.0100", "operation_type", "api.operation_type",
			"must be SOURCE_OPERATION_BEADJUST, SOURCE_OPERATION_BERETRIEVE or SOURCE_OPERATION_BEUNBIND, not %q", f.OperationType)
	}
	if f.From, f.To, err = timeRange("operation_time_begin", &vals[2], "operation_time_end", &vals[3]); err != nil {
		return nil, err
	}
	p, err := c.queryPaging(10, 100)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = p.Offset, p.Limit
	if f.PartnerID, err = c.actingFor("indirect_partner_id", &vals[5]); err != nil {
		return nil, err
	}
	list, total, err := funds.Adjustments(c.ctx(), c.reader(), f)
	if err != nil {
		return nil, err
	}
	out := listPartnerAdjustRecordsResponse{TotalCount: total, Records: make([]adjustRecordV3, len(list))}
	resellers := map[string]string{} // id → account name
	for i, a := range list {
		r := adjustRecordV3{CustomerID: a.CustomerID, CustomerName: a.CustomerName, OperationType: a.OperationType,
			Amount: yuanText(a.Amount), Currency: currencyCNY, OperationTime: formatTime(a.At), MeasureID: measureYuan,
			TransID: a.TransID, Memo: a.Memo}
		if a.CustomerID == "" && a.IndirectPartner != "" {
			name, ok := resellers[a.IndirectPartner]
			if !ok {
				p, err := partner.Get(c.ctx(), c.reader(), a.IndirectPartner)
				if err != nil {
					return nil, err
				}
				name, resellers[a.IndirectPartner] = p.DomainName, p.DomainName
			}
			r.CustomerID, r.CustomerName = a.IndirectPartner, name
		}
		out.Records[i] = r
	}
	return out, nil
}
