package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func productBySpec(t testing.TB, db *store.DB, spec string) *catalogue.Product {
	t.Helper()
	list, err := catalogue.List(context.Background(), db.Reader(), catalogue.ProductFilter{Query: spec})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if p.SpecCode == spec {
			return p
		}
	}
	return nil
}

func staffAuditActions(t testing.TB, db *store.DB, objectID string) []string {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT action FROM audit_log WHERE object_id = ? ORDER BY at, id`, objectID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func TestCatalogueProductEditor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "admin")
		// A service type and a region, added then renamed.
		resp, _ := c.post("/console/staff/catalogue/service-types", url.Values{"code": {"hws.service.type.kafka"}, "name_zh": {"消息队列"}, "name_en": {"Kafka"}, "sort": {"500"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add a service type: %d", resp.StatusCode)
		}
		// 重命名 opens the form filled; a rename without an order keeps its place.
		_, body := c.get("/console/staff/catalogue/service-types?code=hws.service.type.kafka")
		if !strings.Contains(body, `value="消息队列"`) || !strings.Contains(body, `value="500"`) {
			t.Errorf("the rename form is not filled:\n%s", body)
		}
		resp, _ = c.post("/console/staff/catalogue/service-types", url.Values{"code": {"hws.service.type.kafka"}, "name_zh": {"分布式消息服务Kafka版"}, "name_en": {"DMS for Kafka"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("rename a service type: %d", resp.StatusCode)
		}
		_, body = c.get("/console/staff/catalogue/service-types")
		if !strings.Contains(body, "已保存hws.service.type.kafka") || !strings.Contains(body, "分布式消息服务Kafka版") || strings.Contains(body, ">消息队列<") {
			t.Errorf("after renaming:\n%s", body)
		}
		types, err := catalogue.ServiceTypes(context.Background(), db.Reader())
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range types {
			if st.Code == "hws.service.type.kafka" && (st.Sort != 500 || st.NameEn != "DMS for Kafka") {
				t.Errorf("renamed %+v", st)
			}
		}
		if got := staffAuditActions(t, db, "hws.service.type.kafka"); len(got) != 2 || got[0] != "catalogue.service_type_save" {
			t.Errorf("audit of the service type: %v", got)
		}
		resp, body = c.post("/console/staff/catalogue/service-types", url.Values{"code": {"kafka"}, "name_zh": {"x"}, "name_en": {"x"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("code", "catalogue.service_type_code")) {
			t.Errorf("a bad code: %d", resp.StatusCode)
		}
		resp, _ = c.post("/console/staff/catalogue/regions", url.Values{"code": {"cn-north-9"}, "name_zh": {"华北-乌兰察布九"}, "name_en": {"CN North-Ulanqab9"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add a region: %d", resp.StatusCode)
		}
		resp, body = c.post("/console/staff/catalogue/regions", url.Values{"code": {"cn-north-10"}, "name_zh": {"只有中文"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("name_en", "catalogue.name_required")) {
			t.Errorf("a region without its English name: %d", resp.StatusCode)
		}

		// A product with a rate of 8 decimals, read exactly.
		form := url.Values{"service_type_code": {"hws.service.type.kafka"}, "resource_type_code": {"hws.resource.type.kafka"},
			"resource_type_zh": {"Kafka实例"}, "resource_type_en": {"Kafka instance"}, "spec_code": {"kafka.2u4g.cluster"},
			"spec_zh": {"Kafka | 2vCPUs | 4GB"}, "spec_en": {"Kafka | 2 vCPUs | 4 GB"}, "regions": {"cn-north-9"},
			"monthly_price": {"1234.56"}, "yearly_price": {"12345.6"}, "usage_unit": {"hour"}, "usage_rate": {"0.123456789"},
			"incentive": {"1"}, "on_sale": {"1"}}
		resp, body = c.post("/console/staff/catalogue/new", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("usage_rate", "catalogue.rate_precision")) {
			t.Fatalf("9 decimals: %d\n%s", resp.StatusCode, body)
		}
		if productBySpec(t, db, "kafka.2u4g.cluster") != nil {
			t.Fatal("a refused product was saved")
		}
		for _, bad := range []struct{ field, value, key string }{
			{"usage_rate", "-0.1", "catalogue.rate_number"},
			{"usage_rate", "1e-3", "catalogue.rate_number"},
			{"usage_rate", "1000000.00000001", "catalogue.rate_range"},
			{"monthly_price", "12.345", "customers.amount_precision"},
			{"monthly_price", "-5", "catalogue.price_negative"},
			{"spec_code", "Kafka Big", "catalogue.code_format"},
		} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("usage_rate", "0.12345678")
			f.Set(bad.field, bad.value)
			resp, body := c.post("/console/staff/catalogue/new", f)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo(bad.field, bad.key)) {
				t.Errorf("%s=%s: %d, want %s next to the field", bad.field, bad.value, resp.StatusCode, bad.key)
			}
		}
		form.Set("usage_rate", "0.12345678")
		resp, _ = c.post("/console/staff/catalogue/new", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d", resp.StatusCode)
		}
		p := productBySpec(t, db, "kafka.2u4g.cluster")
		if p == nil || p.UsageRate != 12_345_678 || p.MonthlyPrice != 1234_56 || p.YearlyPrice != 12345_60 || !p.Incentive || !p.OnSale ||
			len(p.Regions) != 1 || p.Regions[0] != "cn-north-9" || p.UsageUnit != "hour" || p.ResourceTypeZh != "Kafka实例" {
			t.Fatalf("saved %+v", p)
		}
		_, body = c.get("/console/staff/catalogue?service_type=hws.service.type.kafka")
		if !strings.Contains(body, "已创建产品kafka.2u4g.cluster") || !strings.Contains(body, "0.12345678 / hour") || !strings.Contains(body, "1,234.56") ||
			!strings.Contains(body, "华北-乌兰察布九") || !strings.Contains(body, "激励产品") {
			t.Errorf("the list:\n%s", body)
		}
		// The editor shows the rate as it was entered; a change of price
		// and a removal from sale are audited with the values before.
		edit := "/console/staff/catalogue/products/" + p.ID
		_, body = c.get(edit)
		if !strings.Contains(body, `value="0.12345678"`) || !strings.Contains(body, `value="1234.56"`) {
			t.Errorf("the editor:\n%s", body)
		}
		form.Set("usage_rate", "0.00000001")
		form.Set("monthly_price", "")
		form.Del("on_sale")
		resp, _ = c.post(edit, form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit: %d", resp.StatusCode)
		}
		p = productBySpec(t, db, "kafka.2u4g.cluster")
		if p.UsageRate != 1 || p.MonthlyPrice != 0 || p.OnSale {
			t.Errorf("edited %+v", p)
		}
		if got := staffAuditActions(t, db, p.ID); len(got) != 2 || got[0] != "catalogue.product_create" || got[1] != "catalogue.product_update" {
			t.Errorf("audit of the product: %v", got)
		}
		// Another product cannot take the spec code.
		form.Set("spec_code", "kafka.2u4g.cluster")
		resp, body = c.post("/console/staff/catalogue/new", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("spec_code", "catalogue.spec_taken")) {
			t.Errorf("a taken spec code: %d", resp.StatusCode)
		}
		if resp, _ := c.get("/console/staff/catalogue/products/nope"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown product: %d", resp.StatusCode)
		}

		// Only staff holding the catalogue permission reach the pages.
		for _, who := range []string{"finance", "distributor"} {
			o := e.client()
			o.signIn(who)
			if resp, _ := o.get("/console/staff/catalogue"); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s opens the catalogue: %d", who, resp.StatusCode)
			}
			if resp, _ := o.post(edit, form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s edits a product: %d", who, resp.StatusCode)
			}
		}
		_, body = c.get("/console/staff")
		if !strings.Contains(body, `href="/console/staff/catalogue"`) || !strings.Contains(body, "产品目录") {
			t.Errorf("the admin's menu has no 产品目录")
		}
	})
}
