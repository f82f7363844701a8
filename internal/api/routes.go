package api

import (
	"net/http"
	"slices"

	"partnercenter/internal/auth"
)

// routes is the API's route table: the BSS-compatible operations and the
// co-selling extension below, then each further extension's table from its
// own file. The API document (openapi/) describes exactly these operations;
// TestDocumentMatchesRoutes holds the two together.
var routes = slices.Concat(bssRoutes, invoiceRoutes, incentiveRoutes, solutionRoutes, deliveryRoutes, webhookRoutes, accessRoutes)

var bssRoutes = []Route{
	// Customers.
	{Method: http.MethodPost, Pattern: "/v2/partners/sub-customers", OperationID: "CreateSubCustomer", Mutates: true, Handle: createSubCustomer},
	{Method: http.MethodPost, Pattern: "/v2/partners/sub-customers/query", OperationID: "ListSubCustomers", Handle: listSubCustomers},
	{Method: http.MethodPost, Pattern: "/v2/partners/sub-customers/users/check-identity", OperationID: "CheckUserIdentity", RateLimit: 5, Handle: checkUserIdentity},
	{Method: http.MethodPost, Pattern: "/v2/partners/sub-customers/new-customers-tags/batch-query", OperationID: "ListSubCustomerNewTag", Handle: listSubCustomerNewTag},
	{Method: http.MethodPost, Pattern: "/v2/accounts/customer-accounts/balances/batch-query", OperationID: "ListCustomersBalancesDetail", Handle: listCustomersBalancesDetail},
	{Method: http.MethodPost, Pattern: "/v2/partners/indirect-partners/query", OperationID: "ListIndirectPartners", Handle: listIndirectPartners},

	// Funds.
	{Method: http.MethodGet, Pattern: "/v2/accounts/partner-accounts/balances", OperationID: "ListPartnerBalances", Permission: auth.PermFundsView, Handle: listPartnerBalances},
	{Method: http.MethodGet, Pattern: "/v2/accounts/partner-accounts/account-change-records", OperationID: "ListPartnerAccountChangeRecords", Permission: auth.PermFundsView, Handle: listPartnerAccountChangeRecords},
	{Method: http.MethodPost, Pattern: "/v2/accounts/partner-accounts/adjust-amount", OperationID: "UpdateCustomerAccountAmount", Mutates: true, Handle: updateCustomerAccountAmount},
	{Method: http.MethodPost, Pattern: "/v2/accounts/partner-accounts/reclaim", OperationID: "ReclaimToPartnerAccount", Mutates: true, Handle: reclaimToPartnerAccount},
	{Method: http.MethodGet, Pattern: "/v3/accounts/partner-accounts/adjust-records", OperationID: "ListPartnerAdjustRecords", Permission: auth.PermFundsView, Handle: listPartnerAdjustRecords},
	{Method: http.MethodPost, Pattern: "/v2/accounts/partner-accounts/indirect-partner-adjust", OperationID: "UpdateIndirectPartnerAccount", Mutates: true, Handle: updateIndirectPartnerAccount},
	{Method: http.MethodPost, Pattern: "/v2/accounts/partner-accounts/indirect-partner-reclaim", OperationID: "ReclaimIndirectPartnerAccount", Mutates: true, Handle: reclaimIndirectPartnerAccount},

	// Vouchers and cash coupons.
	{Method: http.MethodPost, Pattern: "/v2/partners/coupon-quotas/query", OperationID: "ListQuotaCoupons", Permission: auth.PermFundsView, Handle: listQuotaCoupons},
	{Method: http.MethodPost, Pattern: "/v2/promotions/benefits/partner-coupons", OperationID: "CreatePartnerCoupons", Mutates: true, Permission: auth.PermFundsMove, Handle: createPartnerCoupons},
	{Method: http.MethodGet, Pattern: "/v2/promotions/benefits/partner-coupons", OperationID: "ListIssuedPartnerCoupons", Permission: auth.PermFundsView, Handle: listIssuedPartnerCoupons},
	{Method: http.MethodPost, Pattern: "/v2/promotions/benefits/partner-coupons/reclaim", OperationID: "ReclaimPartnerCoupons", Mutates: true, Permission: auth.PermFundsMove, Handle: reclaimPartnerCoupons},
	{Method: http.MethodGet, Pattern: "/v2/promotions/benefits/partner-coupons/records/query", OperationID: "ListPartnerCouponsRecord", Permission: auth.PermFundsView, Handle: listPartnerCouponsRecord},
	{Method: http.MethodPost, Pattern: "/v2/partners/coupon-quotas/indirect-partner-adjust", OperationID: "UpdateCouponQuotas", Mutates: true, Permission: auth.PermFundsMove, Handle: updateCouponQuotas},
	{Method: http.MethodPost, Pattern: "/v2/partners/coupon-quotas/indirect-partner-reclaim", OperationID: "ReclaimCouponQuotas", Mutates: true, Permission: auth.PermFundsMove, Handle: reclaimCouponQuotas},
	{Method: http.MethodGet, Pattern: "/v2/partners/issued-coupon-quotas", OperationID: "ListIssuedCouponQuotas", Permission: auth.PermFundsView, Handle: listIssuedCouponQuotas},
	{Method: http.MethodGet, Pattern: "/v2/partners/coupon-quotas/records", OperationID: "ListCouponQuotasRecords", Permission: auth.PermFundsView, Handle: listCouponQuotasRecords},
	{Method: http.MethodGet, Pattern: "/v2/promotions/benefits/coupons", OperationID: "ListSubCustomerCoupons", Permission: auth.PermFundsView, Handle: listSubCustomerCoupons},

	// Bills and consumption.
	{Method: http.MethodGet, Pattern: "/v2/bills/subcustomer-bills/res-fee-records", OperationID: "ListSubCustomerBillDetail", Handle: listSubCustomerBillDetail},
	{Method: http.MethodPost, Pattern: "/v2/bills/subcustomer-bills/res-fee-records/sub-customers/query", OperationID: "ListConsumeSubCustomers", Handle: listConsumeSubCustomers},
	{Method: http.MethodGet, Pattern: "/v2/bills/partner-bills/subcustomer-bills/monthly-sum", OperationID: "ListSubcustomerMonthlyBills", Handle: listSubcustomerMonthlyBills},

	// Incentives.
	{Method: http.MethodGet, Pattern: "/v2/products/incentive-discount-policies", OperationID: "ListIncentiveDiscountPolicies", Handle: listIncentiveDiscountPolicies},

	// Orders and resources.
	{Method: http.MethodGet, Pattern: "/v2/orders/customer-orders", OperationID: "ListCustomerOrders", Handle: listCustomerOrders},
	{Method: http.MethodGet, Pattern: "/v2/orders/customer-orders/details/{order_id}", OperationID: "ShowCustomerOrderDetails", Handle: showCustomerOrderDetails},
	{Method: http.MethodPost, Pattern: "/v3/orders/customer-orders/pay", OperationID: "PayOrders", Mutates: true, Permission: auth.PermFundsMove, Handle: payOrders},
	{Method: http.MethodPut, Pattern: "/v2/orders/customer-orders/cancel", OperationID: "CancelCustomerOrder", Mutates: true, Permission: auth.PermFundsMove, Handle: cancelCustomerOrder},
	{Method: http.MethodGet, Pattern: "/v2/orders/customer-orders/order-coupons", OperationID: "ListOrderCouponsByOrderId", Handle: listOrderCouponsByOrderId},
	{Method: http.MethodPost, Pattern: "/v2/orders/suscriptions/resources/query", OperationID: "ListPayPerUseCustomerResources", Handle: listPayPerUseCustomerResources},
	{Method: http.MethodPost, Pattern: "/v2/partners/sub-customers/on-demand-resources/query", OperationID: "ListCustomerOnDemandResources", Handle: listCustomerOnDemandResources},
	{Method: http.MethodPost, Pattern: "/v2/orders/subscriptions/resources/renew", OperationID: "RenewalResources", Mutates: true, Permission: auth.PermFundsMove, Handle: renewalResources},
	{Method: http.MethodPost, Pattern: "/v2/orders/subscriptions/resources/unsubscribe", OperationID: "CancelResourcesSubscription", Mutates: true, Permission: auth.PermFundsMove, Handle: cancelResourcesSubscription},
	{Method: http.MethodPost, Pattern: "/v2/orders/subscriptions/resources/autorenew/{resource_id}", OperationID: "AutoRenewalResources", Mutates: true, Permission: auth.PermFundsMove, Handle: autoRenewalResources},
	{Method: http.MethodDelete, Pattern: "/v2/orders/subscriptions/resources/autorenew/{resource_id}", OperationID: "CancelAutoRenewalResources", Mutates: true, Permission: auth.PermFundsMove, Handle: cancelAutoRenewalResources},

	// Co-selling opportunities (our extension; the provider's API has none).
	{Method: http.MethodPost, Pattern: "/v2/partners/opportunities", OperationID: "CreateOpportunity", Mutates: true, Permission: auth.PermOpportunity, Handle: createOpportunity},
	{Method: http.MethodGet, Pattern: "/v2/partners/opportunities", OperationID: "ListOpportunities", Permission: auth.PermOpportunity, Handle: listOpportunities},
	{Method: http.MethodGet, Pattern: "/v2/partners/opportunities/{opportunity_id}", OperationID: "ShowOpportunity", Permission: auth.PermOpportunity, Handle: showOpportunity},
	{Method: http.MethodPut, Pattern: "/v2/partners/opportunities/{opportunity_id}", OperationID: "UpdateOpportunity", Mutates: true, Permission: auth.PermOpportunity, Handle: updateOpportunity},
	{Method: http.MethodPost, Pattern: "/v2/partners/opportunities/{opportunity_id}/submit", OperationID: "SubmitOpportunity", Mutates: true, Permission: auth.PermOpportunity, Handle: submitOpportunity},
	{Method: http.MethodPut, Pattern: "/v2/partners/opportunities/{opportunity_id}/stage", OperationID: "SetOpportunityStage", Mutates: true, Permission: auth.PermOpportunity, Handle: setOpportunityStage},
	{Method: http.MethodPost, Pattern: "/v2/partners/opportunities/{opportunity_id}/delivery", OperationID: "MarkOpportunityDelivered", Mutates: true, Permission: auth.PermOpportunity, Handle: markOpportunityDelivered},
	{Method: http.MethodGet, Pattern: "/v2/partners/opportunity-offers", OperationID: "ListOpportunityOffers", Permission: auth.PermOpportunity, Handle: listOpportunityOffers},
	{Method: http.MethodPost, Pattern: "/v2/partners/opportunity-offers/{opportunity_id}/accept", OperationID: "AcceptOpportunityOffer", Mutates: true, Permission: auth.PermOpportunity, Handle: acceptOpportunityOffer},
	{Method: http.MethodPost, Pattern: "/v2/partners/opportunity-offers/{opportunity_id}/decline", OperationID: "DeclineOpportunityOffer", Mutates: true, Permission: auth.PermOpportunity, Handle: declineOpportunityOffer},
	{Method: http.MethodGet, Pattern: "/v2/partners/opportunity-funnel", OperationID: "ShowOpportunityFunnel", Permission: auth.PermOpportunity, Handle: showOpportunityFunnel},
}
