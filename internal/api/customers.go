package api

import (
	"strconv"
	"strings"
	"unicode"

	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// The customer operations: CreateSubCustomer, ListSubCustomers,
// CheckUserIdentity, ListSubCustomerNewTag and ListCustomersBalancesDetail.
// Each takes the BSS indirect_partner_id, with which a total distributor
// acts for one of its resellers.

// createCustomerV2Req is the SDK's model.CreateCustomerV2Req.
type createCustomerV2Req struct {
	DomainName               *string `json:"domain_name"`
	MobilePhone              *string `json:"mobile_phone"`
	VerificationCode         *string `json:"verification_code"`
	XAccountID               string  `json:"xaccount_id"`
	XAccountType             string  `json:"xaccount_type"`
	Password                 *string `json:"password"`
	IsCloseMarketMs          *string `json:"is_close_market_ms"`
	CooperationType          *string `json:"cooperation_type"`
	IndirectPartnerID        *string `json:"indirect_partner_id"`
	IncludeAssociationResult *bool   `json:"include_association_result"`
}

// createSubCustomerResponse is the SDK's model.CreateSubCustomerResponse.
type createSubCustomerResponse struct {
	DomainID   string `json:"domain_id"`
	DomainName string `json:"domain_name"`
}

// createSubCustomer is CreateSubCustomer: a new customer account associated
// with the caller (or, with indirect_partner_id, with one of its resellers)
// as a resale customer. xaccount_type must be the caller's own platform
// identifier, and xaccount_id is unique on that platform: a duplicate is
// refused with CBC.99000050 naming the customer it already is.
func createSubCustomer(c *Call) (any, error) {
	var req createCustomerV2Req
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if err := c.require(auth.PermCustomerManage); err != nil {
		return nil, err
	}
	if err := checkCreateOptions(req); err != nil {
		return nil, err
	}
	actingID, err := c.actingFor("indirect_partner_id", req.IndirectPartnerID)
	if err != nil {
		return nil, err
	}
	owner := c.Partner
	if actingID != c.Partner.ID {
		reseller, err := partner.Get(c.ctx(), c.reader(), actingID)
		if err != nil {
			return nil, err
		}
		// The customer is the reseller's, but the user ids are those of the
		// calling distributor's platform, which is what xaccount_type names.
		owner = reseller
		owner.XAccountType = c.Partner.XAccountType
	}
	n := customer.NewCustomer{DomainName: strOr(req.DomainName), Mobile: strOr(req.MobilePhone), Type: customer.TypeNone,
		XAccountID: req.XAccountID, XAccountType: req.XAccountType}
	res, err := c.InTx(func(tx *store.Tx) (any, error) {
		cust, err := customer.Create(c.ctx(), tx, owner, n, true)
		if err != nil {
			return nil, err
		}
		return createSubCustomerResponse{DomainID: cust.ID, DomainName: cust.DomainName}, nil
	})
	if e, ok := apperr.As(err); ok && e.Key == "customer.xaccount_id_taken" {
		existing, lookupErr := customer.ByXAccount(c.ctx(), c.reader(), customer.PartnerScope(actingID),
			strings.TrimSpace(req.XAccountType), strings.TrimSpace(req.XAccountID))
		if lookupErr == nil {
			return nil, withFields(err, map[string]string{"domain_id": existing.ID, "domain_name": existing.DomainName})
		}
	}
	return res, err
}

// checkCreateOptions checks the CreateSubCustomer fields that the simulated
// cloud does not keep, so that a platform gets the refusals it would get from
// the provider: the password rules, the true/false marketing switch, and the
// cooperation type, which is withdrawn for new partners.
func checkCreateOptions(req createCustomerV2Req) error {
	if req.Password != nil {
		if err := checkPassword(*req.Password, strOr(req.DomainName), strOr(req.MobilePhone)); err != nil {
			return err
		}
	}
	if v := strOr(req.IsCloseMarketMs); v != "" && v != "true" && v != "false" {
		return fieldError("CBC.0100", "is_close_market_ms", "api.true_false", "must be true or false, not %q", v)
	}
	if strOr(req.CooperationType) == "1" {
		return fieldError("CBC.0100", "cooperation_type", "api.cooperation_withdrawn",
			"1 (referral) is no longer offered to new partners; leave it out to create a resale customer")
	}
	return nil
}

// checkPassword applies the provider's rules for a new account's password:
// 8 to 32 characters of at least two kinds (upper case, lower case, digits,
// symbols), neither the account name nor it reversed, not containing the
// mobile number. The simulated cloud has no customer sign-in, so the
// password is checked and not kept.
func checkPassword(pw, name, mobile string) error {
	kinds := 0
	for _, has := range []func(rune) bool{unicode.IsUpper, unicode.IsLower, unicode.IsDigit, isSymbol} {
		if strings.IndexFunc(pw, has) >= 0 {
			kinds++
		}
	}
	switch {
	case pw == "":
		return fieldError("CBC.0100", "password", "api.password_empty", "cannot be empty: leave it out for a random one")
	case len(pw) < 8 || len(pw) > 32:
		return fieldError("CBC.0100", "password", "api.password_length", "must be 8 to 32 characters long")
	case kinds < 2:
		return fieldError("CBC.0100", "password", "api.password_kinds", "needs at least two of: upper case, lower case, digits, symbols")
	case name != "" && (strings.EqualFold(pw, name) || strings.EqualFold(pw, reverse(name))):
		return fieldError("CBC.0100", "password", "api.password_name", "cannot be the account name or the account name reversed")
	case mobile != "" && strings.Contains(pw, mobile):
		return fieldError("CBC.0100", "password", "api.password_mobile", "cannot contain the mobile number")
	}
	return nil
}

func isSymbol(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// querySubCustomerListReq is the SDK's model.QuerySubCustomerListReq.
type querySubCustomerListReq struct {
	AccountName       *string `json:"account_name"`
	Customer          *string `json:"customer"`
	Offset            *int64  `json:"offset"`
	Limit             *int64  `json:"limit"`
	Label             *string `json:"label"`
	AssociationType   *string `json:"association_type"`
	AssociatedOnBegin *string `json:"associated_on_begin"`
	AssociatedOnEnd   *string `json:"associated_on_end"`
	CustomerID        *string `json:"customer_id"`
	IndirectPartnerID *string `json:"indirect_partner_id"`
}

// listSubCustomersResponse is the SDK's model.ListSubCustomersResponse.
type listSubCustomersResponse struct {
	CustomerInfos []customerInformation `json:"customer_infos"`
	Count         int                   `json:"count"`
}

// customerInformation is the SDK's model.CustomerInformation; the model
// writes association_type and verified_status as strings.
type customerInformation struct {
	Customer        string           `json:"customer,omitempty"`
	AccountName     string           `json:"account_name"`
	CustomerID      string           `json:"customer_id"`
	AssociatedOn    string           `json:"associated_on,omitempty"`
	AssociationType string           `json:"association_type,omitempty"`
	Label           string           `json:"label,omitempty"`
	Telephone       string           `json:"telephone,omitempty"`
	VerifiedStatus  string           `json:"verified_status"`
	CountryCode     string           `json:"country_code,omitempty"`
	CustomerType    int              `json:"customer_type"`
	IsFrozen        int              `json:"is_frozen"`
	AccountManagers []accountManager `json:"account_managers"`
	XAccountID      string           `json:"xaccount_id,omitempty"`
	XAccountType    string           `json:"xaccount_type,omitempty"`
	CustomerLevel   string           `json:"customer_level,omitempty"`
	Email           string           `json:"email,omitempty"`
}

// accountManager is the SDK's model.AccountManager: the manager's sign-in name.
type accountManager struct {
	AccountName string `json:"account_name"`
}

// listSubCustomers is ListSubCustomers: one page of the caller's customers
// (or a reseller's, with indirect_partner_id), most recently associated
// first, with the count of all that match. Text filters match anywhere in
// the value; each customer lists the manager in charge now.
func listSubCustomers(c *Call) (any, error) {
	var req querySubCustomerListReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	f, err := subCustomerFilter(req)
	if err != nil {
		return nil, err
	}
	scope, err := c.customerScope(req.IndirectPartnerID)
	if err != nil {
		return nil, err
	}
	list, total, err := customer.List(c.ctx(), c.reader(), scope, f)
	if err != nil {
		return nil, err
	}
	out := listSubCustomersResponse{Count: total, CustomerInfos: make([]customerInformation, 0, len(list))}
	for _, cu := range list {
		out.CustomerInfos = append(out.CustomerInfos, customerInfo(cu))
	}
	return out, nil
}

func subCustomerFilter(req querySubCustomerListReq) (customer.Filter, error) {
	var f customer.Filter
	var err error
	for _, s := range []struct {
		field string
		v     *string
		max   int
		dst   *string
	}{
		{"account_name", req.AccountName, 64, &f.AccountName},
		{"customer", req.Customer, 100, &f.RealName},
		{"label", req.Label, 64, &f.Label},
		{"customer_id", req.CustomerID, 64, &f.CustomerID},
	} {
		if *s.dst, err = optionalString(s.field, s.v, s.max); err != nil {
			return f, err
		}
	}
	switch t := strOr(req.AssociationType); t {
	case "":
	case "1", "2":
		f.AssociationType = customer.AssociationType(t[0] - '0')
	default:
		return f, fieldError("CBC.0100", "association_type", "api.association_type", "must be 1 (referral) or 2 (resale), not %q", t)
	}
	if f.AssociatedFrom, f.AssociatedTo, err = timeRange("associated_on_begin", req.AssociatedOnBegin, "associated_on_end", req.AssociatedOnEnd); err != nil {
		return f, err
	}
	p, err := paging(req.Offset, req.Limit, 10, 100)
	f.Offset, f.Limit = p.Offset, p.Limit
	return f, err
}

func customerInfo(cu *customer.Customer) customerInformation {
	info := customerInformation{Customer: cu.RealName, AccountName: cu.DomainName, CustomerID: cu.ID,
		AssociatedOn: formatTime(cu.AssociatedAt), Label: cu.Label, VerifiedStatus: strconv.Itoa(cu.VerifiedStatus),
		CountryCode: cu.CountryCode, Telephone: strings.TrimPrefix(cu.Mobile, cu.CountryCode+"-"), CustomerType: cu.Type,
		IsFrozen: cu.Frozen, AccountManagers: []accountManager{}, XAccountID: cu.XAccountID, XAccountType: cu.XAccountType,
		CustomerLevel: cu.Level, Email: cu.Email}
	if cu.AssociationType != 0 {
		info.AssociationType = strconv.Itoa(int(cu.AssociationType))
	}
	if cu.Manager != nil {
		info.AccountManagers = append(info.AccountManagers, accountManager{AccountName: cu.Manager.Username})
	}
	return info
}

// customerScope is which customers the call sees: the acting partner's own.
func (c *Call) customerScope(indirectPartnerID *string) (customer.Scope, error) {
	id, err := optionalString("indirect_partner_id", indirectPartnerID, 64)
	if err != nil {
		return customer.Scope{}, err
	}
	return customer.ScopeFor(c.ctx(), c.reader(), c.Principal, customer.OwnCustomers, id)
}

// checkSubcustomerUserReq is the SDK's model.CheckSubcustomerUserReq.
type checkSubcustomerUserReq struct {
	SearchType  string `json:"search_type"`
	SearchValue string `json:"search_value"`
}

// checkUserIdentityResponse is the SDK's model.CheckUserIdentityResponse.
type checkUserIdentityResponse struct {
	CheckResult              string `json:"check_result"`
	MobileRemainAvailableNum *int   `json:"mobile_remain_available_num,omitempty"`
}

// Answers of CheckUserIdentity.
const (
	identityAvailable = "available"
	identityUsed      = "used_by_user"
)

// checkUserIdentity is CheckUserIdentity: whether an email address, mobile
// number or account name is still free for a new customer account.
func checkUserIdentity(c *Call) (any, error) {
	var req checkSubcustomerUserReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if err := c.require(auth.PermCustomerManage); err != nil {
		return nil, err
	}
	id, err := customer.CheckIdentity(c.ctx(), c.reader(), req.SearchType, req.SearchValue)
	if err != nil {
		return nil, err
	}
	out := checkUserIdentityResponse{CheckResult: identityUsed}
	if id.Available {
		out.CheckResult = identityAvailable
	}
	if req.SearchType == customer.SearchMobile {
		out.MobileRemainAvailableNum = &id.MobileRemainAccount
	}
	return out, nil
}

// listSubCustomerNewTagReq is the SDK's model.ListSubCustomerNewTagReq.
type listSubCustomerNewTagReq struct {
	CustomerIDs       []string `json:"customer_ids"`
	Offset            *int64   `json:"offset"`
	Limit             *int64   `json:"limit"`
	IndirectPartnerID *string  `json:"indirect_partner_id"`
}

// listSubCustomerNewTagResponse is the SDK's model.ListSubCustomerNewTagResponse.
type listSubCustomerNewTagResponse struct {
	NewCustomerTags []newCustomerTagItem `json:"new_customer_tags"`
}

// newCustomerTagItem is the SDK's model.NewCustomerTagItem.
type newCustomerTagItem struct {
	CustomerID      string `json:"customer_id"`
	CustomerTagType string `json:"customer_tag_type"`
	NewCustomerTag  string `json:"new_customer_tag"`
	EffectiveTime   string `json:"effective_time,omitempty"`
	ExpireTime      string `json:"expire_time,omitempty"`
}

// maxCustomerIDs bounds the customer lists of the batch queries.
const maxCustomerIDs = 100

// listSubCustomerNewTag is ListSubCustomerNewTag: the SMB new-customer tags
// of the caller's customers, all of them a page at a time or those named;
// named ids that are not the caller's customers are left out, as the
// provider documents.
func listSubCustomerNewTag(c *Call) (any, error) {
	var req listSubCustomerNewTagReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if err := checkCustomerIDs("customer_ids", req.CustomerIDs, false); err != nil {
		return nil, err
	}
	p, err := paging(req.Offset, req.Limit, 10, 100)
	if err != nil {
		return nil, err
	}
	scope, err := c.customerScope(req.IndirectPartnerID)
	if err != nil {
		return nil, err
	}
	tags, _, err := customer.NewCustomerTags(c.ctx(), c.reader(), scope, req.CustomerIDs, p.Offset, p.Limit)
	if err != nil {
		return nil, err
	}
	out := listSubCustomerNewTagResponse{NewCustomerTags: make([]newCustomerTagItem, len(tags))}
	for i, t := range tags {
		out.NewCustomerTags[i] = newCustomerTagItem{CustomerID: t.CustomerID, CustomerTagType: t.TagType, NewCustomerTag: t.Tag,
			EffectiveTime: t.EffectiveFrom, ExpireTime: t.ExpiresAt}
	}
	return out, nil
}

// checkCustomerIDs checks a batch of customer ids: at most maxCustomerIDs,
// each 1 to 64 characters.
func checkCustomerIDs(field string, ids []string, required bool) error {
	if required && len(ids) == 0 {
		return fieldError("CBC.0100", field, "api.ids_required", "name at least one customer")
	}
	if len(ids) > maxCustomerIDs {
		return fieldError("CBC.0100", field, "api.ids_too_many", "may name at most %d customers", maxCustomerIDs)
	}
	for _, id := range ids {
		if id == "" || len(id) > 64 {
			return fieldError("CBC.0100", field, "api.id_length", "each customer id must be 1 to 64 characters")
		}
	}
	return nil
}

// queryCustomersBalancesReq is the SDK's model.QueryCustomersBalancesReq.
type queryCustomersBalancesReq struct {
	CustomerInfos []struct {
		CustomerID string `json:"customer_id"`
	} `json:"customer_infos"`
	IndirectPartnerID *string `json:"indirect_partner_id"`
}

// listCustomersBalancesDetailResponse is the SDK's
// model.ListCustomersBalancesDetailResponse.
type listCustomersBalancesDetailResponse struct {
	CustomerBalances []customerBalancesV2 `json:"customer_balances"`
}

// customerBalancesV2 is the SDK's model.CustomerBalancesV2.
type customerBalancesV2 struct {
	CustomerID string `json:"customer_id"`
	DebtAmount yuan   `json:"debt_amount"`
	Amount     yuan   `json:"amount"`
	Currency   string `json:"currency"`
	MeasureID  int    `json:"measure_id"`
}

// Currency and measure of every amount: CNY, in yuan (measure 1).
const (
	currencyCNY = "CNY"
	measureYuan = 1
)

// listCustomersBalancesDetail is ListCustomersBalancesDetail: the available
// balance of each named resale customer; ids that are not the caller's
// resale customers are left out, as the provider documents. Customers carry
// no debt until consumption is charged, so debt_amount is 0.
func listCustomersBalancesDetail(c *Call) (any, error) {
	var req queryCustomersBalancesReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	ids := make([]string, len(req.CustomerInfos))
	for i, ci := range req.CustomerInfos {
		ids[i] = ci.CustomerID
	}
	if err := checkCustomerIDs("customer_infos", ids, true); err != nil {
		return nil, err
	}
	if err := c.require(auth.PermFundsView); err != nil {
		return nil, err
	}
	scope, err := c.customerScope(req.IndirectPartnerID)
	if err != nil {
		return nil, err
	}
	// One query for the customers and one for their accounts, whatever
	// the number of ids: the answer keeps the request's order.
	found, err := customer.GetMany(c.ctx(), c.reader(), scope, ids)
	if err != nil {
		return nil, err
	}
	resale := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if cu := found[id]; cu != nil && cu.AssociationType == customer.Resale && !seen[id] {
			seen[id] = true
			resale = append(resale, id)
		}
	}
	balances, err := funds.CustomerBalances(c.ctx(), c.reader(), resale)
	if err != nil {
		return nil, err
	}
	out := listCustomersBalancesDetailResponse{CustomerBalances: make([]customerBalancesV2, 0, len(resale))}
	for _, id := range resale {
		out.CustomerBalances = append(out.CustomerBalances, customerBalancesV2{CustomerID: id, Amount: yuan(balances[id][1]),
			Currency: currencyCNY, MeasureID: measureYuan})
	}
	return out, nil
}
