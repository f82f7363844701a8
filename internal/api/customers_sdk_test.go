package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"partnercenter/internal/api"
	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// customerSpec is a customer the tests put under a partner.
type customerSpec struct {
	name, realName, label, mobile string
	typ                           customer.AssociationType
	at                            time.Duration // after base
}

// addCustomer registers an account and associates it with p, at base+at.
func (f *fixture) addCustomer(t *testing.T, p *partner.Partner, s customerSpec) *customer.Customer {
	t.Helper()
	ctx := t.Context()
	now := f.db.Now
	defer func() { f.db.Now = now }()
	f.db.Now = func() time.Time { return base.Add(s.at) }
	if s.typ == 0 {
		s.typ = customer.Resale
	}
	var c *customer.Customer
	err := f.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if c, err = customer.RegisterAccount(ctx, tx, customer.NewAccount{DomainName: s.name, RealName: s.realName,
			Type: customer.TypeEnterprise, VerifiedStatus: customer.VerifiedDone, Mobile: s.mobile, Email: s.name + "@customer.example"}); err != nil {
			return err
		}
		if err := customer.Associate(ctx, tx, p.ID, c.ID, s.typ); err != nil {
			return err
		}
		if s.label != "" {
			_, err = tx.ExecContext(ctx, `UPDATE customers SET label = ? WHERE id = ?`, s.label, c.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sdk is the distributor's SDK client on a fresh server of the API alone,
// without a rate limit: the tests make many calls in a burst.
func (f *fixture) sdk(t *testing.T) (*httptest.Server, *bss.BssClient) {
	cfg := api.DefaultConfig()
	cfg.RateLimit = 0
	srv := f.startAPI(t, cfg)
	return srv, client(t, srv, f.distKey.ID, f.distKey.Secret, f.dist.DomainID)
}

func TestCreateSubCustomerThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv, c := f.sdk(t)
		create := func(body model.CreateCustomerV2Req) (*model.CreateSubCustomerResponse, error) {
			return c.CreateSubCustomer(&model.CreateSubCustomerRequest{Body: &body})
		}

		resp, err := create(model.CreateCustomerV2Req{DomainName: ptr("shop-user-0001"), MobilePhone: ptr("13912345678"),
			XaccountId: "user-0001", XaccountType: f.dist.XAccountType, Password: ptr("Passw0rd-2026")})
		if err != nil {
			t.Fatal(err)
		}
		if resp.DomainId == nil || *resp.DomainId == "" || resp.DomainName == nil || *resp.DomainName != "shop-user-0001" {
			t.Fatalf("answer: %v %v", resp.DomainId, resp.DomainName)
		}
		got := subCustomers(t, c, model.QuerySubCustomerListReq{CustomerId: resp.DomainId}, 1)[0]
		if *got.XaccountId != "user-0001" || *got.XaccountType != f.dist.XAccountType || *got.AssociationType != "2" ||
			*got.VerifiedStatus != "-1" || *got.CustomerType != -1 || *got.Telephone != "13912345678" || *got.CountryCode != "0086" {
			t.Fatalf("created customer as listed: %+v", got)
		}

		// A name is generated when none is given.
		gen, err := create(model.CreateCustomerV2Req{XaccountId: "user-0002", XaccountType: f.dist.XAccountType})
		if err != nil || gen.DomainName == nil || len(*gen.DomainName) < 5 {
			t.Fatalf("generated name: %v %v", gen, err)
		}

		// The same platform user again: CBC.99000050, naming the customer it is.
		_, err = create(model.CreateCustomerV2Req{XaccountId: "user-0001", XaccountType: f.dist.XAccountType})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.99000050")
		raw := call(t, srv, f.distKey, f.dist.DomainID, "POST", "/v2/partners/sub-customers",
			[]byte(`{"xaccount_id":"user-0001","xaccount_type":"`+f.dist.XAccountType+`"}`), nil)
		var dup struct{ DomainID, DomainName string }
		_ = json.Unmarshal(raw.Body, &struct {
			DomainID   *string `json:"domain_id"`
			DomainName *string `json:"domain_name"`
		}{&dup.DomainID, &dup.DomainName})
		if raw.Status != http.StatusBadRequest || dup.DomainID != *resp.DomainId || dup.DomainName != "shop-user-0001" {
			t.Fatalf("duplicate answer: %d %s", raw.Status, raw.Body)
		}
		// A taken account name is refused without naming anyone.
		raw = call(t, srv, f.distKey, f.dist.DomainID, "POST", "/v2/partners/sub-customers",
			[]byte(`{"domain_name":"shop-user-0001","xaccount_id":"user-0003","xaccount_type":"`+f.dist.XAccountType+`"}`), nil)
		raw.wantError(t, http.StatusBadRequest, "CBC.99000050")
		if strings.Contains(string(raw.Body), "domain_id") {
			t.Fatalf("a taken name names the account: %s", raw.Body)
		}

		// Faults name their field.
		for field, body := range map[string]model.CreateCustomerV2Req{
			"xaccount_type":    {XaccountId: "u-9", XaccountType: f.dist2.XAccountType},
			"xaccount_id":      {XaccountType: f.dist.XAccountType},
			"domain_name":      {DomainName: ptr("op_customer"), XaccountId: "u-9", XaccountType: f.dist.XAccountType},
			"mobile_phone":     {MobilePhone: ptr("12345"), XaccountId: "u-9", XaccountType: f.dist.XAccountType},
			"password":         {Password: ptr("password"), XaccountId: "u-9", XaccountType: f.dist.XAccountType},
			"cooperation_type": {CooperationType: ptr("1"), XaccountId: "u-9", XaccountType: f.dist.XAccountType},
		} {
			_, err := create(body)
			if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100"); !strings.HasPrefix(se.ErrorMessage, field+":") {
				t.Errorf("%s: message %q", field, se.ErrorMessage)
			}
		}

		// For a reseller: the reseller's customer, with the distributor's platform ids.
		forRes, err := create(model.CreateCustomerV2Req{XaccountId: "user-0100", XaccountType: f.dist.XAccountType, IndirectPartnerId: ptr(f.resA.ID)})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(subCustomers(t, c, model.QuerySubCustomerListReq{CustomerId: forRes.DomainId}, 0)); n != 0 {
			t.Fatal("the reseller's customer is in the distributor's own list")
		}
		subCustomers(t, c, model.QuerySubCustomerListReq{CustomerId: forRes.DomainId, IndirectPartnerId: ptr(f.resA.ID)}, 1)
		_, err = create(model.CreateCustomerV2Req{XaccountId: "user-0101", XaccountType: f.dist.XAccountType, IndirectPartnerId: ptr(f.resC.ID)})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")

		// Idempotency-Key: a retry creates nothing more.
		body := []byte(`{"xaccount_id":"user-0200","xaccount_type":"` + f.dist.XAccountType + `"}`)
		h := http.Header{"Idempotency-Key": {"create-0200"}}
		first := call(t, srv, f.distKey, f.dist.DomainID, "POST", "/v2/partners/sub-customers", body, h)
		again := call(t, srv, f.distKey, f.dist.DomainID, "POST", "/v2/partners/sub-customers", body, h)
		if first.Status != 200 || string(first.Body) != string(again.Body) || again.Header.Get("Idempotency-Replayed") != "true" {
			t.Fatalf("retry: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
	})
}

// subCustomers lists customers and checks how many match in all.
func subCustomers(t *testing.T, c *bss.BssClient, req model.QuerySubCustomerListReq, count int) []model.CustomerInformation {
	t.Helper()
	resp, err := c.ListSubCustomers(&model.ListSubCustomersRequest{Body: &req})
	if err != nil {
		t.Fatalf("ListSubCustomers: %v", err)
	}
	if resp.Count == nil || int(*resp.Count) != count || resp.CustomerInfos == nil {
		t.Fatalf("count = %v, want %d", resp.Count, count)
	}
	return *resp.CustomerInfos
}

func customerIDs(list []model.CustomerInformation) []string {
	var out []string
	for _, ci := range list {
		out = append(out, ci.CustomerId)
	}
	return out
}

func TestListSubCustomersThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := t.Context()
		a := f.addCustomer(t, f.dist, customerSpec{name: "alpha-cloud", realName: "杭州阿尔法科技有限公司", label: "重点客户", mobile: "13900000001", at: 10 * time.Hour})
		b := f.addCustomer(t, f.dist, customerSpec{name: "beta-cloud", realName: "苏州贝塔信息有限公司", typ: customer.Referral, at: 20 * time.Hour})
		g := f.addCustomer(t, f.dist, customerSpec{name: "gamma-shop", realName: "上海伽马网络有限公司", label: "新客户", at: 30 * time.Hour})
		other := f.addCustomer(t, f.resA, customerSpec{name: "reseller-cust", at: 40 * time.Hour})
		f.addCustomer(t, f.dist2, customerSpec{name: "stranger-cust", at: 40 * time.Hour})
		var mgr *auth.User
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			if mgr, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: storetest.Name("mgr"), DisplayName: "经理", PartnerID: f.dist.ID,
				Roles: []auth.Role{auth.PartnerManager}, Password: "Secret-2026"}); err != nil {
				return err
			}
			if _, _, err = customer.AssignManager(ctx, tx, f.dist.ID, a.ID, mgr.ID, time.Time{}); err != nil {
				return err
			}
			_, _, err = customer.Freeze(ctx, tx, f.dist.ID, g.ID, customer.FrozenAccount, "欠费")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		_, c := f.sdk(t)

		all := subCustomers(t, c, model.QuerySubCustomerListReq{}, 3)
		equal(t, "all, newest association first", customerIDs(all), []string{g.ID, b.ID, a.ID})
		ga, ba, aa := all[0], all[1], all[2]
		if *aa.AssociationType != "2" || *ba.AssociationType != "1" || *aa.Customer != "杭州阿尔法科技有限公司" || aa.AccountName != "alpha-cloud" ||
			*aa.Label != "重点客户" || *aa.VerifiedStatus != "2" || *aa.CustomerType != 1 || *aa.Telephone != "13900000001" ||
			*aa.AssociatedOn != base.Add(10*time.Hour).Format("2006-01-02T15:04:05Z") || *aa.Email != "alpha-cloud@customer.example" {
			t.Fatalf("fields: %+v", aa)
		}
		if aa.AccountManagers == nil || len(*aa.AccountManagers) != 1 || *(*aa.AccountManagers)[0].AccountName != mgr.Username {
			t.Fatalf("account_managers: %+v", aa.AccountManagers)
		}
		if len(*ba.AccountManagers) != 0 || *ga.IsFrozen != 1 || *aa.IsFrozen != 0 {
			t.Fatalf("managers of b %v, frozen g %v a %v", *ba.AccountManagers, *ga.IsFrozen, *aa.IsFrozen)
		}

		for name, tc := range map[string]struct {
			req  model.QuerySubCustomerListReq
			want []string
		}{
			"account name, fuzzy":  {model.QuerySubCustomerListReq{AccountName: ptr("cloud")}, []string{b.ID, a.ID}},
			"real name, fuzzy":     {model.QuerySubCustomerListReq{Customer: ptr("伽马")}, []string{g.ID}},
			"label":                {model.QuerySubCustomerListReq{Label: ptr("客户")}, []string{g.ID, a.ID}},
			"referral":             {model.QuerySubCustomerListReq{AssociationType: ptr("1")}, []string{b.ID}},
			"resale":               {model.QuerySubCustomerListReq{AssociationType: ptr("2")}, []string{g.ID, a.ID}},
			"empty filters":        {model.QuerySubCustomerListReq{AccountName: ptr(""), AssociationType: ptr("")}, []string{g.ID, b.ID, a.ID}},
			"associated from":      {model.QuerySubCustomerListReq{AssociatedOnBegin: ptr(base.Add(20 * time.Hour).Format("2006-01-02T15:04:05Z"))}, []string{g.ID, b.ID}},
			"associated until":     {model.QuerySubCustomerListReq{AssociatedOnEnd: ptr(base.Add(20 * time.Hour).Format("2006-01-02T15:04:05Z"))}, []string{b.ID, a.ID}},
			"by id":                {model.QuerySubCustomerListReq{CustomerId: ptr(b.ID)}, []string{b.ID}},
			"another's id":         {model.QuerySubCustomerListReq{CustomerId: ptr(other.ID)}, nil},
			"a reseller's":         {model.QuerySubCustomerListReq{IndirectPartnerId: ptr(f.resA.ID)}, []string{other.ID}},
			"a reseller's, by id":  {model.QuerySubCustomerListReq{IndirectPartnerId: ptr(f.resA.ID), CustomerId: ptr(a.ID)}, nil},
			"no match, empty list": {model.QuerySubCustomerListReq{AccountName: ptr("nothing-like-this")}, nil},
		} {
			t.Run(name, func(t *testing.T) {
				equal(t, name, customerIDs(subCustomers(t, c, tc.req, len(tc.want))), tc.want)
			})
		}
		page := subCustomers(t, c, model.QuerySubCustomerListReq{Offset: ptr(int32(1)), Limit: ptr(int32(1))}, 3)
		equal(t, "second page", customerIDs(page), []string{b.ID})

		_, err = c.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{IndirectPartnerId: ptr(f.resC.ID)}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		for field, req := range map[string]model.QuerySubCustomerListReq{
			"association_type":    {AssociationType: ptr("3")},
			"limit":               {Limit: ptr(int32(101))},
			"offset":              {Offset: ptr(int32(-1))},
			"associated_on_begin": {AssociatedOnBegin: ptr("2019-05-06")},
			"account_name":        {AccountName: ptr(strings.Repeat("a", 65))},
		} {
			_, err := c.ListSubCustomers(&model.ListSubCustomersRequest{Body: &req})
			if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100"); !strings.HasPrefix(se.ErrorMessage, field+":") {
				t.Errorf("%s: message %q", field, se.ErrorMessage)
			}
		}
	})
}

func TestCheckUserIdentityThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.addCustomer(t, f.dist2, customerSpec{name: "taken-name", mobile: "13700000000"})
		_, c := f.sdk(t)
		check := func(typ, value string) (*model.CheckUserIdentityResponse, error) {
			return c.CheckUserIdentity(&model.CheckUserIdentityRequest{Body: &model.CheckSubcustomerUserReq{SearchType: typ, SearchValue: value}})
		}
		for _, tc := range []struct {
			typ, value, want string
			remain           int32
		}{
			{"name", "Taken-Name", "used_by_user", -1},
			{"name", "free-name", "available", -1},
			{"email", "taken-name@customer.example", "used_by_user", -1},
			{"email", "nobody@customer.example", "available", -1},
			{"mobile", "0086-13700000000", "available", 4},
			{"mobile", "0086-13700000001", "available", 5},
		} {
			resp, err := check(tc.typ, tc.value)
			if err != nil {
				t.Fatalf("%s %s: %v", tc.typ, tc.value, err)
			}
			if *resp.CheckResult != tc.want || tc.remain >= 0 && (resp.MobileRemainAvailableNum == nil || *resp.MobileRemainAvailableNum != tc.remain) ||
				tc.remain < 0 && resp.MobileRemainAvailableNum != nil {
				t.Errorf("%s %s: %s %v", tc.typ, tc.value, *resp.CheckResult, resp.MobileRemainAvailableNum)
			}
		}
		for field, tc := range map[string][2]string{"search_type": {"phone", "x@y.cn"}, "search_value": {"mobile", "13700000000"}} {
			_, err := check(tc[0], tc[1])
			if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100"); !strings.HasPrefix(se.ErrorMessage, field+":") {
				t.Errorf("%s: message %q", field, se.ErrorMessage)
			}
		}
	})
}

func TestListSubCustomerNewTagThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.addCustomer(t, f.dist, customerSpec{name: "new-customer", at: time.Hour})
		b := f.addCustomer(t, f.dist, customerSpec{name: "second-customer", at: 2 * time.Hour})
		foreign := f.addCustomer(t, f.dist2, customerSpec{name: "foreign-customer"})
		_, c := f.sdk(t)
		tags := func(req model.ListSubCustomerNewTagReq) []model.NewCustomerTagItem {
			t.Helper()
			resp, err := c.ListSubCustomerNewTag(&model.ListSubCustomerNewTagRequest{Body: &req})
			if err != nil || resp.NewCustomerTags == nil {
				t.Fatalf("ListSubCustomerNewTag: %v", err)
			}
			return *resp.NewCustomerTags
		}
		got := tags(model.ListSubCustomerNewTagReq{CustomerIds: &[]string{a.ID, foreign.ID, "no-such-customer"}})
		month := base.Add(time.Hour).Format("2006-01")
		if len(got) != 1 || *got[0].CustomerId != a.ID || *got[0].CustomerTagType != "SMB" || *got[0].NewCustomerTag != "UNDETERMINED" ||
			*got[0].EffectiveTime != month || *got[0].ExpireTime != base.Add(time.Hour).AddDate(1, 0, 0).Format("2006-01") {
			t.Fatalf("named: %+v", got)
		}
		if all := tags(model.ListSubCustomerNewTagReq{}); len(all) != 2 || *all[0].CustomerId != b.ID {
			t.Fatalf("all: %+v", all)
		}
		if page := tags(model.ListSubCustomerNewTagReq{Offset: ptr(int32(1)), Limit: ptr(int32(1))}); len(page) != 1 || *page[0].CustomerId != a.ID {
			t.Fatalf("second page: %+v", page)
		}
		many := make([]string, 101)
		for i := range many {
			many[i] = "id"
		}
		_, err := c.ListSubCustomerNewTag(&model.ListSubCustomerNewTagRequest{Body: &model.ListSubCustomerNewTagReq{CustomerIds: &many}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
	})
}
