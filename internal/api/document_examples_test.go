package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"partnercenter/openapi"
)

// sdkBodies are the public SDK's Go types of each BSS operation's request
// body (nil: the operation has none) and answer: an example of the
// document must decode into them with no field the SDK does not know.
var sdkBodies = map[string][2]any{
	"CreateSubCustomer":               {&model.CreateCustomerV2Req{}, &model.CreateSubCustomerResponse{}},
	"ListSubCustomers":                {&model.QuerySubCustomerListReq{}, &model.ListSubCustomersResponse{}},
	"CheckUserIdentity":               {&model.CheckSubcustomerUserReq{}, &model.CheckUserIdentityResponse{}},
	"ListSubCustomerNewTag":           {&model.ListSubCustomerNewTagReq{}, &model.ListSubCustomerNewTagResponse{}},
	"ListCustomersBalancesDetail":     {&model.QueryCustomersBalancesReq{}, &model.ListCustomersBalancesDetailResponse{}},
	"ListIndirectPartners":            {&model.QueryIndirectPartnersReq{}, &model.ListIndirectPartnersResponse{}},
	"ListPartnerBalances":             {nil, &model.ListPartnerBalancesResponse{}},
	"ListPartnerAccountChangeRecords": {nil, &model.ListPartnerAccountChangeRecordsResponse{}},
	"UpdateCustomerAccountAmount":     {&model.AdjustAccountReq{}, &model.UpdateCustomerAccountAmountResponse{}},
	"ReclaimToPartnerAccount":         {&model.ReclaimToPartnerAccountBalancesReq{}, &model.ReclaimToPartnerAccountResponse{}},
	"ListPartnerAdjustRecords":        {nil, &model.ListPartnerAdjustRecordsResponse{}},
	"UpdateIndirectPartnerAccount":    {&model.AdjustToIndirectPartnerReq{}, &model.UpdateIndirectPartnerAccountResponse{}},
	"ReclaimIndirectPartnerAccount":   {&model.ReclaimIndirectPartnerAccountReq{}, &model.ReclaimIndirectPartnerAccountResponse{}},
	"ListQuotaCoupons":                {&model.QueryCouponQuotasReqExt{}, &model.ListQuotaCouponsResponse{}},
	"ListIssuedCouponQuotas":          {nil, &model.ListIssuedCouponQuotasResponse{}},
	"UpdateCouponQuotas":              {&model.AdjustCouponQuotasReq{}, &model.UpdateCouponQuotasResponse{}},
	"ReclaimCouponQuotas":             {&model.ReclaimCouponQuotasReq{}, &model.ReclaimCouponQuotasResponse{}},
	"ListCouponQuotasRecords":         {nil, &model.ListCouponQuotasRecordsResponse{}},
	"CreatePartnerCoupons":            {&model.CreatePartnerCouponsReq{}, &model.CreatePartnerCouponsResponse{}},
	"ListIssuedPartnerCoupons":        {nil, &model.ListIssuedPartnerCouponsResponse{}},
	"ReclaimPartnerCoupons":           {&model.ReclaimPartnerCouponsReq{}, &model.ReclaimPartnerCouponsResponse{}},
	"ListPartnerCouponsRecord":        {nil, &model.ListPartnerCouponsRecordResponse{}},
	"ListSubCustomerCoupons":          {nil, &model.ListSubCustomerCouponsResponse{}},
	"ListCustomerOrders":              {nil, &model.ListCustomerOrdersResponse{}},
	"ShowCustomerOrderDetails":        {nil, &model.ShowCustomerOrderDetailsResponse{}},
	"PayOrders":                       {&model.PayCustomerOrderV3Req{}, &model.PayOrdersResponse{}},
	"CancelCustomerOrder":             {&model.CancelCustomerOrderReq{}, &model.CancelCustomerOrderResponse{}},
	"ListOrderCouponsByOrderId":       {nil, &model.ListOrderCouponsByOrderIdResponse{}},
	"ListPayPerUseCustomerResources":  {&model.QueryResourcesReq{}, &model.ListPayPerUseCustomerResourcesResponse{}},
	"ListCustomerOnDemandResources":   {&model.QueryCustomerOnDemandResourcesReq{}, &model.ListCustomerOnDemandResourcesResponse{}},
	"RenewalResources":                {&model.RenewalResourcesReq{}, &model.RenewalResourcesResponse{}},
	"CancelResourcesSubscription":     {&model.UnsubscribeResourcesReq{}, &model.CancelResourcesSubscriptionResponse{}},
	"AutoRenewalResources":            {&model.AutoRenewalResourcesReq{}, &model.AutoRenewalResourcesResponse{}},
	"CancelAutoRenewalResources":      {nil, &model.CancelAutoRenewalResourcesResponse{}},
	"ListSubCustomerBillDetail":       {nil, &model.ListSubCustomerBillDetailResponse{}},
	"ListConsumeSubCustomers":         {&model.ListConsumeSubCustomersReq{}, &model.ListConsumeSubCustomersResponse{}},
	"ListSubcustomerMonthlyBills":     {nil, &model.ListSubcustomerMonthlyBillsResponse{}},
	"ListIncentiveDiscountPolicies":   {nil, &model.ListIncentiveDiscountPoliciesResponse{}},
}

// The SDK table holds exactly the BSS operations.
func TestSDKBodiesCoverTheBSSOperations(t *testing.T) {
	var ops []string
	for op := range sdkBodies {
		ops = append(ops, op)
	}
	equal(t, "operations with SDK types", sorted(ops), sorted(programOperations))
}

// A part of the document as the example check reads it.
type exDoc struct {
	Paths      map[string]map[string]exOperation
	Components struct {
		Schemas   map[string]*exSchema
		Responses map[string]exResponse
	}
}

type exOperation struct {
	OperationID string
	RequestBody *struct{ Content map[string]exMedia }
	Responses   map[string]exResponse
}

type exResponse struct {
	Ref     string `json:"$ref"`
	Content map[string]exMedia
}

type exMedia struct {
	Schema  *exSchema
	Example json.RawMessage
}

type exSchema struct {
	Ref                  string `json:"$ref"`
	Type                 any
	Enum                 []any
	Required             []string
	Properties           map[string]*exSchema
	Items                *exSchema
	AllOf, OneOf, AnyOf  []*exSchema
	AdditionalProperties any
}

// Every operation of the whole document (the frame and every piece) gives
// a request example when it takes a body and an example of its 200 answer,
// each valid JSON that satisfies its schema's types, enumerations and
// required properties; the BSS operations' examples also decode into the
// public SDK's types without a field the SDK does not know.
func TestEveryOperationHasExamples(t *testing.T) {
	var d exDoc
	if err := json.Unmarshal(openapi.JSON, &d); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for path, methods := range d.Paths {
		for method, op := range methods {
			name := fmt.Sprintf("%s (%s %s)", op.OperationID, strings.ToUpper(method), path)
			sdk, isBSS := sdkBodies[op.OperationID]
			if op.RequestBody != nil {
				m, ok := op.RequestBody.Content["application/json"]
				switch {
				case !ok:
					// A body that is not JSON (an upload) has no JSON example to check.
				case len(m.Example) == 0:
					missing = append(missing, name+": request example")
				default:
					if err := d.check(m.Schema, m.Example, "request"); err != nil {
						t.Errorf("%s: request example: %v", name, err)
					}
					if isBSS {
						if err := strictDecode(m.Example, sdk[0]); err != nil {
							t.Errorf("%s: request example in the SDK's type: %v", name, err)
						}
					}
				}
			}
			r, ok := op.Responses["200"]
			if !ok {
				t.Errorf("%s: no 200 answer", name)
				continue
			}
			if r.Ref != "" {
				r = d.Components.Responses[strings.TrimPrefix(r.Ref, "#/components/responses/")]
			}
			m, ok := r.Content["application/json"]
			switch {
			case !ok:
				// A download answers a file, not JSON.
			case len(m.Example) == 0:
				missing = append(missing, name+": response example")
			default:
				if err := d.check(m.Schema, m.Example, "response"); err != nil {
					t.Errorf("%s: response example: %v", name, err)
				}
				if isBSS {
					if err := strictDecode(m.Example, sdk[1]); err != nil {
						t.Errorf("%s: response example in the SDK's type: %v", name, err)
					}
				}
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no %s", m)
	}
}

func strictDecode(raw json.RawMessage, into any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(into)
}

func (d *exDoc) resolve(s *exSchema) *exSchema {
	for s != nil && s.Ref != "" {
		s = d.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	return s
}

// check tells whether v satisfies s in what the examples rely on: JSON
// types, enumerations, required properties, and the same of nested
// properties and array items.
func (d *exDoc) check(s *exSchema, raw json.RawMessage, at string) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	return d.checkValue(s, v, at)
}

func (d *exDoc) checkValue(s *exSchema, v any, at string) error {
	s = d.resolve(s)
	if s == nil {
		return nil
	}
	for _, sub := range s.AllOf {
		if err := d.checkValue(sub, v, at); err != nil {
			return err
		}
	}
	if alts := append(slices.Clone(s.OneOf), s.AnyOf...); len(alts) > 0 {
		var errs []string
		for _, sub := range alts {
			err := d.checkValue(sub, v, at)
			if err == nil {
				errs = nil
				break
			}
			errs = append(errs, err.Error())
		}
		if errs != nil {
			return fmt.Errorf("%s matches none of its alternatives: %s", at, strings.Join(errs, "; "))
		}
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, s.Enum)
	}
	var types []string
	switch t := s.Type.(type) {
	case string:
		types = []string{t}
	case []any:
		for _, n := range t {
			types = append(types, fmt.Sprint(n))
		}
	}
	if len(types) > 0 && !slices.Contains(types, jsonType(v)) && !(jsonType(v) == "integer" && slices.Contains(types, "number")) {
		return fmt.Errorf("%s: a JSON %s where the schema says %s", at, jsonType(v), strings.Join(types, " or "))
	}
	switch v := v.(type) {
	case map[string]any:
		for _, r := range s.Required {
			if _, ok := v[r]; !ok {
				return fmt.Errorf("%s: the required property %q is missing", at, r)
			}
		}
		for name, p := range s.Properties {
			if pv, ok := v[name]; ok {
				if err := d.checkValue(p, pv, at+"."+name); err != nil {
					return err
				}
			}
		}
	case []any:
		for i, item := range v {
			if err := d.checkValue(s.Items, item, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if f, err := v.Float64(); err == nil && f == math.Trunc(f) && !strings.ContainsAny(v.String(), ".eE") {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	default:
		return "object"
	}
}
