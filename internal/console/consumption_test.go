package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/bill"
	"partnercenter/internal/bill/billtest"
	"partnercenter/internal/customer"
	"partnercenter/internal/exports"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// consumers are two new resale customers of the demo distributor, each
// given 50.00, with some consumption metered: alpha (in the charge of
// distributor-manager) used an SSD for an hour last month (12.34) and
// three this month (37.02); beta five hours this month (61.70), of which
// its balance covered 50.00.
type consumers struct {
	alpha, beta   *customer.Customer
	distributor   string
	month         bill.Month
	alphaThisHour time.Time
}

func addConsumption(t *testing.T, db *store.DB) *consumers {
	t.Helper()
	ctx := context.Background()
	q := db.Reader()
	s := &consumers{distributor: partnerID(t, db, "distributor"), month: bill.MonthOf(time.Now())}
	dist, err := partner.GetByName(ctx, q, "distributor")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		if s.alpha, err = customer.Create(ctx, tx, dist, customer.NewCustomer{DomainName: "consumer-alpha"}, false); err != nil {
			return err
		}
		s.beta, err = customer.Create(ctx, tx, dist, customer.NewCustomer{DomainName: "consumer-beta"}, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var manager string
	if err := q.QueryRowContext(ctx, `SELECT id FROM users WHERE username = 'distributor-manager'`).Scan(&manager); err != nil {
		t.Fatal(err)
	}
	s.alphaThisHour = s.month.Start().Add(time.Hour)
	var cloud *billtest.Cloud
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if cloud, err = billtest.Catalogue(ctx, tx); err != nil {
			return err
		}
		if _, err := funds.Recharge(ctx, tx, s.distributor, 1_000_00, "bank_transfer", "", ""); err != nil {
			return err
		}
		for _, c := range []*customer.Customer{s.alpha, s.beta} {
			if _, err := funds.Allocate(ctx, tx, s.distributor, c.ID, 50_00, "", "tester", ""); err != nil {
				return err
			}
		}
		_, _, err := customer.AssignManager(ctx, tx, s.distributor, s.alpha.ID, manager, time.Time{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []billtest.Usage{
		{CustomerID: s.alpha.ID, From: s.month.Add(-1).Start().Add(time.Hour), Hours: 1},
		{CustomerID: s.alpha.ID, From: s.alphaThisHour, Hours: 3},
		{CustomerID: s.beta.ID, From: s.alphaThisHour.Add(3 * time.Hour), Hours: 5},
	} {
		u.PartnerID, u.Product = s.distributor, cloud.SSD
		if _, _, err := billtest.Meter(ctx, db, u); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// summaryRow is the 消费汇总 row of a customer.
func summaryRow(t *testing.T, body, customerID string) string {
	t.Helper()
	for _, row := range strings.Split(tableBody(body), "</tr>") {
		if strings.Contains(row, customerID) {
			return row
		}
	}
	return ""
}

func TestConsumptionSummaryAndTrend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		s := addConsumption(t, e.db)
		resp, body := c.get("/console/consumption")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if !strings.Contains(body, "<h1>客户消费</h1>") || !strings.Contains(body, `aria-current="page">消费汇总`) {
			t.Fatalf("not the page: %.400s", body)
		}
		// The month picker offers this month and the 17 before it.
		months := regexp.MustCompile(`<option value="(\d{4}-\d{2})"`).FindAllStringSubmatch(body, -1)
		if len(months) < 18 || months[0][1] != s.month.String() || months[17][1] != s.month.Add(-17).String() {
			t.Fatalf("month options %v", months)
		}
		row := summaryRow(t, body, s.alpha.ID)
		for _, want := range []string{s.alpha.DomainName, "代售", ">3<", "37.02", "0.00"} {
			if !strings.Contains(row, want) {
				t.Fatalf("alpha's row lacks %q: %s", want, row)
			}
		}
		if row := summaryRow(t, body, s.beta.ID); !strings.Contains(row, "61.70") || !strings.Contains(row, "50.00") || !strings.Contains(row, "11.70") {
			t.Fatalf("beta's row: %s", row)
		}
		// The chart: an SVG with a title and description, a bar per month,
		// and the figures in a table.
		for _, want := range []string{`<svg id="trend-chart" role="img" aria-labelledby="trend-title trend-desc"`, `<title id="trend-title">近18个月消费趋势</title>`,
			`<desc id="trend-desc">`, `<table class="table" id="trend-figures">`} {
			if !strings.Contains(body, want) {
				t.Fatalf("the chart lacks %s", want)
			}
		}
		if n := strings.Count(body, `<rect class="bar"`); n != 18 {
			t.Fatalf("%d bars", n)
		}
		// One customer's trend: its two months.
		_, body = c.get("/console/consumption?" + url.Values{"customer": {s.alpha.DomainName}}.Encode())
		_, figures, _ := strings.Cut(body, `id="trend-figures"`)
		if !strings.Contains(body, s.alpha.DomainName+" 近18个月消费趋势") ||
			!regexp.MustCompile(`<th scope="row">`+s.month.Add(-1).String()+`</th><td class="num">12.34</td><td class="num">1</td>`).MatchString(figures) ||
			!regexp.MustCompile(`<th scope="row">`+s.month.String()+`</th><td class="num">37.02</td><td class="num">3</td>`).MatchString(figures) {
			t.Fatalf("alpha's trend: %s", figures)
		}
		if !strings.Contains(tableBody(body), s.alpha.ID) || strings.Contains(tableBody(body), s.beta.ID) {
			t.Fatal("the customer filter")
		}
		// Last month: alpha only.
		_, body = c.get("/console/consumption?month=" + s.month.Add(-1).String())
		if summaryRow(t, body, s.alpha.ID) == "" || summaryRow(t, body, s.beta.ID) != "" {
			t.Fatal("last month's customers")
		}
		// A month out of the window is refused next to the picker.
		resp, body = c.get("/console/consumption?month=" + s.month.Add(-18).String())
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="f-month-msg">只能查询`) {
			t.Fatalf("a month 18 back: %d %s", resp.StatusCode, body)
		}
		_, body = c.get("/console/consumption?month=2026-13")
		if !strings.Contains(body, `id="f-month-msg">月份格式应为 2026-12`) {
			t.Fatal("a malformed month")
		}

		// A manager-only user sees the customers in its charge.
		m := e.client()
		m.signIn("distributor-manager")
		resp, body = m.get("/console/consumption")
		if resp.StatusCode != http.StatusOK || summaryRow(t, body, s.alpha.ID) == "" || summaryRow(t, body, s.beta.ID) != "" {
			t.Fatalf("manager: %d", resp.StatusCode)
		}
		// Another partner sees none of them.
		r := e.client()
		r.signIn("reseller")
		_, body = r.get("/console/consumption/details?" + url.Values{"customer": {s.alpha.ID}}.Encode())
		if strings.Contains(body, s.alpha.DomainName) || !strings.Contains(tableBody(body), "暂无") && !strings.Contains(tableBody(body), `class="empty"`) {
			t.Fatalf("another partner sees alpha: %s", tableBody(body))
		}
	})
}

func TestConsumptionDetailsAndExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		s := addConsumption(t, e.db)
		_, body := c.get("/console/consumption/details?" + url.Values{"customer": {s.alpha.ID}}.Encode())
		rows := strings.Count(tableBody(body), "<tr>")
		if rows != 3 || !strings.Contains(body, "消费-使用") || !strings.Contains(body, "云硬盘") || !strings.Contains(body, "华北-北京四") {
			t.Fatalf("%d rows: %s", rows, tableBody(body))
		}
		if strings.Count(body, `<strong>37.02</strong>`) != 2 || !strings.Contains(body, `<strong>0.00</strong>`) {
			t.Fatal("the totals")
		}
		if !strings.Contains(body, i18n.DateTime(s.alphaThisHour, i18n.Location("Asia/Shanghai"))) {
			t.Fatalf("the hour %s is not shown", s.alphaThisHour)
		}
		_, body = c.get("/console/consumption/details?" + url.Values{"customer": {s.alpha.ID}, "detail_type": {"1"}}.Encode())
		if strings.Count(tableBody(body), "<tr>") != 1 || !strings.Contains(tableBody(body), `class="empty"`) {
			t.Fatal("no new purchases")
		}
		_, body = c.get("/console/consumption/details?service_type=nope")
		if !strings.Contains(body, `id="f-service_type-msg">请从列表中选择`) {
			t.Fatal("an unknown service type")
		}

		// 导出: the query shown, in the background, then the download.
		resp, _ := c.post("/console/consumption/exports", url.Values{"month": {s.month.String()}, "customer": {s.alpha.ID}, "format": {"csv"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/consumption/exports" {
			t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		var id string
		eventually(t, "the export", func() bool {
			_, body := c.get("/console/consumption/exports")
			m := regexp.MustCompile(`/console/consumption/exports/([^/]+)/download`).FindStringSubmatch(body)
			if m != nil {
				id = m[1]
			}
			return m != nil
		})
		resp, file := c.get("/console/consumption/exports/" + id + "/download")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(file, "\uFEFF账期,") || strings.Count(file, "\n") != 4 ||
			!strings.Contains(file, s.alpha.ID) || strings.Contains(file, s.beta.ID) || !strings.Contains(file, ",12.34,") {
			t.Fatalf("download %d: %s", resp.StatusCode, file)
		}
		// The funds page's 我的导出 names it too; another user cannot have it.
		_, body = c.get("/console/funds/exports")
		if !strings.Contains(body, "客户消费明细") {
			t.Fatal("我的导出 does not name the export")
		}
		m := e.client()
		m.signIn("distributor-manager")
		if resp, _ := m.get("/console/consumption/exports/" + id + "/download"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another user's export: %d", resp.StatusCode)
		}
		// A refused filter starts nothing and shows the tab again.
		resp, body = c.post("/console/consumption/exports", url.Values{"month": {"2020-01"}, "format": {"csv"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-month-msg"`) {
			t.Fatalf("refused export: %d", resp.StatusCode)
		}
		list, err := exports.List(context.Background(), e.db.Reader(), s.distributor, userID(t, e.db, "distributor"), 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("%d exports: %v", len(list), err)
		}
	})
}

func userID(t *testing.T, db *store.DB, username string) string {
	t.Helper()
	var id string
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT id FROM users WHERE username = ?`, username).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
