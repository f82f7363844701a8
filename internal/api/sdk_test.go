package api_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"partnercenter/internal/api/signing"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

// wantSDKError checks that an SDK call failed with the given status and code
// and that the SDK saw the request id.
func wantSDKError(t *testing.T, err error, status int, code string) *sdkerr.ServiceResponseError {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Fatalf("got %v (%T), want a ServiceResponseError %d %s", err, err, status, code)
	}
	if se.StatusCode != status || se.ErrorCode != code {
		t.Fatalf("got %d %s %q, want %d %s", se.StatusCode, se.ErrorCode, se.ErrorMessage, status, code)
	}
	if se.RequestId == "" {
		t.Fatal("the SDK saw no X-Request-Id")
	}
	return se
}

func list(t *testing.T, c *bss.BssClient, body model.QueryIndirectPartnersReq) *model.ListIndirectPartnersResponse {
	t.Helper()
	resp, err := c.ListIndirectPartners(&model.ListIndirectPartnersRequest{Body: &body})
	if err != nil {
		t.Fatalf("ListIndirectPartners(%v): %v", body, err)
	}
	return resp
}

// partnerIDs lists the indirect partner ids of an answer, checking count.
func partnerIDs(t *testing.T, resp *model.ListIndirectPartnersResponse, count int) []string {
	t.Helper()
	if resp.Count == nil || int(*resp.Count) != count {
		t.Fatalf("count = %v, want %d", resp.Count, count)
	}
	if resp.IndirectPartners == nil {
		t.Fatal("indirect_partners is absent; want a list, empty or not")
	}
	var out []string
	for _, p := range *resp.IndirectPartners {
		out = append(out, *p.IndirectPartnerId)
	}
	return out
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func TestListIndirectPartnersThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		c := client(t, srv, f.distKey.ID, f.distKey.Secret, f.dist.DomainID)

		// All of them, most recently associated first, with every field.
		resp := list(t, c, model.QueryIndirectPartnersReq{})
		equal(t, "all", partnerIDs(t, resp, 2), []string{f.resB.ID, f.resA.ID})
		got := (*resp.IndirectPartners)[1]
		want := map[string]*string{
			"name": ptr(f.resA.DisplayName), "account_name": ptr(f.resA.DomainName), "email": ptr(f.resA.Email),
			"mobile_phone": ptr(f.resA.Mobile), "associated_on": ptr(base.Add(24 * time.Hour).Format("2006-01-02T15:04:05Z")),
		}
		for field, v := range map[string]*string{"name": got.Name, "account_name": got.AccountName, "email": got.Email,
			"mobile_phone": got.MobilePhone, "associated_on": got.AssociatedOn} {
			if v == nil || *v != *want[field] {
				t.Errorf("%s = %v, want %q", field, v, *want[field])
			}
		}

		// Filters.
		equal(t, "by account name", partnerIDs(t, list(t, c, model.QueryIndirectPartnersReq{AccountName: ptr(f.resA.DomainName)}), 1), []string{f.resA.ID})
		equal(t, "empty account name does not filter", partnerIDs(t, list(t, c, model.QueryIndirectPartnersReq{AccountName: ptr("")}), 2), []string{f.resB.ID, f.resA.ID})
		equal(t, "associated from", partnerIDs(t, list(t, c, model.QueryIndirectPartnersReq{
			AssociatedOnBegin: ptr(base.Add(30 * time.Hour).Format("2006-01-02T15:04:05Z"))}), 1), []string{f.resB.ID})
		equal(t, "associated until, inclusive", partnerIDs(t, list(t, c, model.QueryIndirectPartnersReq{
			AssociatedOnEnd: ptr(base.Add(24 * time.Hour).Format("2006-01-02T15:04:05Z"))}), 1), []string{f.resA.ID})
		equal(t, "by id", partnerIDs(t, list(t, c, model.QueryIndirectPartnersReq{IndirectPartnerId: ptr(f.resA.ID)}), 1), []string{f.resA.ID})

		// Paging: the count is over all pages.
		equal(t, "second page", partnerIDs(t, list(t, c, model.QueryIndirectPartnersReq{Offset: ptr(int32(1)), Limit: ptr(int32(1))}), 2), []string{f.resA.ID})
		equal(t, "past the end", partnerIDs(t, list(t, c, model.QueryIndirectPartnersReq{Offset: ptr(int32(5))}), 2), nil)

		// Another distributor's reseller is invisible, exactly as an unknown id.
		equal(t, "other distributor's reseller", partnerIDs(t, list(t, c, model.QueryIndirectPartnersReq{IndirectPartnerId: ptr(f.resC.ID)}), 0), nil)
		equal(t, "unknown id", partnerIDs(t, list(t, c, model.QueryIndirectPartnersReq{IndirectPartnerId: ptr("no-such-partner")}), 0), nil)
		c2 := client(t, srv, f.dist2Key.ID, f.dist2Key.Secret, f.dist2.DomainID)
		equal(t, "the other distributor sees its own", partnerIDs(t, list(t, c2, model.QueryIndirectPartnersReq{}), 1), []string{f.resC.ID})
	})
}

func TestListIndirectPartnersRefusesBadParameters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		c := client(t, srv, f.distKey.ID, f.distKey.Secret, f.dist.DomainID)
		for name, req := range map[string]struct {
			body  model.QueryIndirectPartnersReq
			field string
		}{
			"limit zero":        {model.QueryIndirectPartnersReq{Limit: ptr(int32(0))}, "limit"},
			"limit above 100":   {model.QueryIndirectPartnersReq{Limit: ptr(int32(101))}, "limit"},
			"negative offset":   {model.QueryIndirectPartnersReq{Offset: ptr(int32(-1))}, "offset"},
			"offset too large":  {model.QueryIndirectPartnersReq{Offset: ptr(int32(40000001))}, "offset"},
			"date without time": {model.QueryIndirectPartnersReq{AssociatedOnBegin: ptr("2016-03-28")}, "associated_on_begin"},
			"local time":        {model.QueryIndirectPartnersReq{AssociatedOnEnd: ptr("2016-03-28T08:00:00+08:00")}, "associated_on_end"},
			"end before begin": {model.QueryIndirectPartnersReq{AssociatedOnBegin: ptr("2016-03-28T00:00:00Z"),
				AssociatedOnEnd: ptr("2016-03-27T00:00:00Z")}, "associated_on_end"},
			"account name too long": {model.QueryIndirectPartnersReq{AccountName: ptr(strings.Repeat("名", 65))}, "account_name"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := c.ListIndirectPartners(&model.ListIndirectPartnersRequest{Body: &req.body})
				se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
				if !strings.HasPrefix(se.ErrorMessage, req.field+":") {
					t.Fatalf("error_msg %q does not name %s", se.ErrorMessage, req.field)
				}
			})
		}
	})
}

// A reseller has no indirect partners: it is refused, as the provider
// documents the operation for total distributors only.
func TestListIndirectPartnersIsForDistributorsOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		c := client(t, srv, f.plainKey.ID, f.plainKey.Secret, f.plain.DomainID)
		_, err := c.ListIndirectPartners(&model.ListIndirectPartnersRequest{Body: &model.QueryIndirectPartnersReq{}})
		wantSDKError(t, err, http.StatusForbidden, "CBC.0151")
	})
}

func TestSignatureFaultsThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		req := &model.ListIndirectPartnersRequest{Body: &model.QueryIndirectPartnersReq{}}
		k := f.distKey

		_, err := client(t, srv, k.ID, k.Secret+"x", f.dist.DomainID).ListIndirectPartners(req)
		wantSDKError(t, err, http.StatusUnauthorized, "APIGW.0301")

		// The SDK signs with the X-Sdk-Date it is given.
		stale := time.Now().Add(-16 * time.Minute).UTC().Format(signing.DateFormat)
		_, err = client(t, srv, k.ID, k.Secret, f.dist.DomainID).ListIndirectPartnersInvoker(req).
			AddHeaders(map[string]string{"X-Sdk-Date": stale}).Invoke()
		se := wantSDKError(t, err, http.StatusUnauthorized, "PC.0303")
		if !strings.Contains(se.ErrorMessage, "signature expired") {
			t.Errorf("message %q", se.ErrorMessage)
		}
		future := time.Now().Add(20 * time.Minute).UTC().Format(signing.DateFormat)
		_, err = client(t, srv, k.ID, k.Secret, f.dist.DomainID).ListIndirectPartnersInvoker(req).
			AddHeaders(map[string]string{"X-Sdk-Date": future}).Invoke()
		wantSDKError(t, err, http.StatusUnauthorized, "PC.0303")

		_, err = client(t, srv, "PCNOSUCHKEY0000000000", k.Secret, f.dist.DomainID).ListIndirectPartners(req)
		wantSDKError(t, err, http.StatusUnauthorized, "PC.0302")

		_, err = client(t, srv, k.ID, k.Secret, f.dist2.DomainID).ListIndirectPartners(req)
		wantSDKError(t, err, http.StatusForbidden, "CBC.0150")

		if err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := tx.ExecContext(t.Context(), `UPDATE access_keys SET status = 'disabled' WHERE id = ?`, k.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err = client(t, srv, k.ID, k.Secret, f.dist.DomainID).ListIndirectPartners(req)
		wantSDKError(t, err, http.StatusUnauthorized, "PC.0304")
	})
}

// Faults the SDK cannot make, sent by hand.
func TestSignatureFaultsByHand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		const path = "/v2/partners/indirect-partners/query"
		call(t, srv, nil, f.dist.DomainID, "POST", path, []byte(`{}`), nil).wantError(t, http.StatusUnauthorized, "PC.0300")
		call(t, srv, nil, f.dist.DomainID, "POST", path, []byte(`{}`), http.Header{"Authorization": {"Bearer abc"}}).
			wantError(t, http.StatusUnauthorized, "PC.0300")
		call(t, srv, f.distKey, "", "POST", path, []byte(`{}`), nil).wantError(t, http.StatusForbidden, "CBC.0150")
		call(t, srv, f.distKey, f.dist.DomainID, "POST", path, []byte(`{}`),
			http.Header{"X-Sdk-Content-Sha256": {signing.BodyHash([]byte(`{"limit":1}`))}}).wantError(t, http.StatusUnauthorized, "PC.0305")
		call(t, srv, f.distKey, f.dist.DomainID, "POST", path, []byte(`{}`),
			http.Header{"X-Sdk-Content-Sha256": {signing.UnsignedPayload}}).wantError(t, http.StatusUnauthorized, "PC.0305")
		ok := call(t, srv, f.distKey, f.dist.DomainID, "POST", path, []byte(`{}`), nil)
		if ok.Status != http.StatusOK || ok.Header.Get("X-Request-Id") == "" {
			t.Fatalf("signed by hand: %d %s, request id %q", ok.Status, ok.Body, ok.Header.Get("X-Request-Id"))
		}
	})
}
