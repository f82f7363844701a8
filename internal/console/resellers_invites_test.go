package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

var acceptLink = regexp.MustCompile(`/console/org/invitations/([A-Za-z0-9_-]+)/accept`)

func TestResellerInvitations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, c := signedIn(t, db, "distributor")
		dist, direct := partnerID(t, db, "distributor"), partnerID(t, db, "reseller")

		if _, body := c.get("/console/resellers"); !strings.Contains(body, `action="/console/resellers/invite"`) {
			t.Fatal("the resellers page has no 邀请经销商 form")
		}
		for name, key := range map[string]string{
			"nobody":     "reseller_invite.partner_not_found",
			"reseller-a": "reseller_invite.has_distributor",
			"solution":   "reseller_invite.not_reseller",
		} {
			resp, body := c.post("/console/resellers/invite", url.Values{"name": {name}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("name", key)) {
				t.Errorf("invite %s: %d, want %s next to the name", name, resp.StatusCode, key)
			}
		}
		if resp, _ := c.post("/console/resellers/invite", url.Values{"name": {"reseller"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("invite: %d", resp.StatusCode)
		}
		if resp, body := c.post("/console/resellers/invite", url.Values{"name": {"reseller"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("name", "reseller_invite.open_exists")) {
			t.Errorf("invite twice: %d", resp.StatusCode)
		}
		if _, body := c.get("/console/resellers"); !strings.Contains(body, "上海云帆网络科技有限公司") {
			t.Error("the pending invitation is not listed")
		}

		// The invited reseller's main account finds it under 组织.
		r := e.client()
		r.signIn("reseller")
		if _, body := r.get("/console/home"); !strings.Contains(body, `href="/console/org/invitations"`) {
			t.Error("the reseller's menu lacks 经销商邀请")
		}
		resp, body := r.get("/console/org/invitations")
		m := acceptLink.FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "华东云总经销有限公司") || m == nil {
			t.Fatalf("the invitations page: %d", resp.StatusCode)
		}
		// Another partner cannot answer it.
		s := e.client()
		s.signIn("solution")
		if resp, _ := s.post("/console/org/invitations/"+m[1]+"/accept", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner accepts: %d", resp.StatusCode)
		}
		if resp, _ := r.post("/console/org/invitations/"+m[1]+"/accept", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept: %d", resp.StatusCode)
		}
		if resp, _ := r.post("/console/org/invitations/"+m[1]+"/decline", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("decline an accepted invitation: %d", resp.StatusCode)
		}

		// The reseller is now the distributor's.
		if _, body := c.get("/console/resellers"); !strings.Contains(body, "上海云帆网络科技有限公司") || !strings.Contains(body, "/console/resellers/"+direct+"/") {
			t.Error("the distributor's list lacks the reseller")
		}
		list, _, err := partner.ListIndirect(ctx, db.Reader(), partner.IndirectFilter{DistributorID: dist, IndirectPartnerID: direct})
		if err != nil || len(list) != 1 || list[0].AssociatedAt.IsZero() {
			t.Fatalf("ListIndirect: %v, %v", list, err)
		}
		if got := strings.Join(auditActions(t, db, direct, m[1]), ","); got != "reseller.invite_accept" {
			t.Errorf("audit %s", got)
		}
	})
}
