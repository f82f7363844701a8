package console_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partnercenter/internal/configurator"
	"partnercenter/internal/demo"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// demoConfigurators are the demo partner's configurators by status.
func demoConfigurators(t *testing.T, db *store.DB) map[string]*configurator.Configurator {
	t.Helper()
	all, err := configurator.Configurators(context.Background(), db.Reader(), partnerID(t, db, "solution"), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*configurator.Configurator{}
	for _, c := range all {
		out[c.Status] = c
	}
	return out
}

func revisionOf(t *testing.T, db *store.DB, id string) int64 {
	t.Helper()
	c, err := configurator.Get(context.Background(), db.Reader(), "", id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Revision
}

var fieldMessage = regexp.MustCompile(`(?s)id="f-([^"]+)-msg">([^<]*)<`)

// fieldMessages reads the messages shown next to fields, by field.
func fieldMessages(body string) map[string]string {
	out := map[string]string{}
	for _, m := range fieldMessage.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestConfiguratorPageOnlyInDevelopment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "solution")
		byStatus := solutionsOf(t, db, "solution")
		for _, status := range []string{solution.Draft, solution.JointApproval, solution.JointValidation, solution.Offline} {
			resp, body := c.get("/console/solutions/" + byStatus[status].ID + "/configurator")
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "解决方案状态为“配置器开发中”时才能开发配置器") {
				t.Errorf("%s: %d, the reason is not shown", status, resp.StatusCode)
			}
		}
		resp, body := c.get("/console/solutions/" + byStatus[solution.ConfiguratorDev].ID + "/configurator")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "学生人数") || !strings.Contains(body, "ceil(students / 4)") ||
			!strings.Contains(body, `id="add-line-btn"`) || !strings.Contains(body, `href="/console/solutions/center"`) {
			t.Fatalf("the configurator in development: %d\n%s", resp.StatusCode, body)
		}
		// The center lists both configurators and the lists.
		resp, body = c.get("/console/solutions/center")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, demo.DemoPublishedSolution) || !strings.Contains(body, "教育智算实训平台") ||
			strings.Count(body, "/console/solutions/center/lists/") != 3 {
			t.Fatalf("center: %d\n%s", resp.StatusCode, body)
		}
	})
}

func TestConfiguratorEditAndPreview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "solution")
		dev := demoConfigurators(t, db)[configurator.Editing]
		path := "/console/solutions/" + dev.SolutionID + "/configurator"
		before := revisionOf(t, db, dev.ID)
		// A formula naming an unknown parameter: refused next to the field,
		// naming the formula, the character and the name; nothing changes.
		resp, body := c.post(path, url.Values{"op": {"add_line"}, "line_product_id": {dev.Def.Lines[0].ProductID},
			"line_quantity": {"students * nodes"}, "line_mode": {"monthly"}, "line_period": {"1"}})
		msgs := fieldMessages(body)
		if resp.StatusCode != http.StatusUnprocessableEntity || msgs["line_quantity"] != "公式「line 2 quantity」第 12 个字符：未知参数 nodes" {
			t.Fatalf("bad formula: %d %v", resp.StatusCode, msgs)
		}
		resp, body = c.post(path, url.Values{"op": {"add_parameter"}, "param_name": {"max"}, "param_label": {"x"}, "param_kind": {"number"},
			"param_min": {"1"}, "param_max": {"2"}, "param_step": {"1"}, "param_default": {"1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || fieldMessages(body)["param_name"] != "max 是公式语言的保留字" {
			t.Fatalf("reserved name: %d %v", resp.StatusCode, fieldMessages(body))
		}
		if revisionOf(t, db, dev.ID) != before {
			t.Fatal("a refused change saved the configurator")
		}
		// A good parameter and a line using it.
		resp, _ = c.post(path, url.Values{"op": {"add_parameter"}, "param_name": {"storage"}, "param_label": {"存储 TB"}, "param_kind": {"number"},
			"param_min": {"1"}, "param_max": {"50"}, "param_step": {"1"}, "param_default": {"2"},
			"param_rule": {"storage <= students"}, "param_rule_message": {"存储不能超过学生人数"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add parameter: %d", resp.StatusCode)
		}
		resp, _ = c.post(path, url.Values{"op": {"add_line"}, "line_product_id": {dev.Def.Lines[0].ProductID},
			"line_quantity": {"storage * 2"}, "line_mode": {"yearly"}, "line_period": {"1"}})
		if resp.StatusCode != http.StatusSeeOther || revisionOf(t, db, dev.ID) != before+2 {
			t.Fatalf("add line: %d", resp.StatusCode)
		}
		// The preview prices the values; a value out of range is named.
		resp, body = c.get(path + "?v.students=41&v.storage=3")
		if resp.StatusCode != http.StatusOK || !regexp.MustCompile(`<td class="num">11</td>`).MatchString(body) ||
			!regexp.MustCompile(`<td class="num">6</td>`).MatchString(body) {
			t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
		}
		_, body = c.get(path + "?v.students=5")
		if got := fieldMessages(body)["v.students"]; got != "请输入 10 到 1000 之间的数字" {
			t.Errorf("preview out of range: %q", got)
		}
		_, body = c.get(path + "?v.students=20&v.storage=30")
		if got := fieldMessages(body)["v.storage"]; got != "存储不能超过学生人数" {
			t.Errorf("preview rule: %q", got)
		}
		// Removing the parameter a line reads is refused with the formula named.
		resp, body = c.post(path, url.Values{"op": {"remove_parameter:1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<div class="alert" role="alert">公式「line 2 quantity」第 1 个字符：未知参数 storage</div>`) {
			t.Fatalf("remove a used parameter: %d", resp.StatusCode)
		}
		// A line's formula edited in place: a bad one refused next to it,
		// a good one saved.
		resp, body = c.post(path, url.Values{"op": {"edit_line:0"}, "quantity.0": {"ceil(students / )"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || fieldMessages(body)["quantity.0"] != "公式「line 1 quantity」第 17 个字符处无法解析（)）" {
			t.Fatalf("edit a formula: %d %v", resp.StatusCode, fieldMessages(body))
		}
		if resp, _ = c.post(path, url.Values{"op": {"edit_line:0"}, "quantity.0": {"ceil(students / 5)"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit a formula: %d", resp.StatusCode)
		}
		if _, body = c.get(path); !strings.Contains(body, `value="ceil(students / 5)"`) {
			t.Error("the edited formula is not shown")
		}
		// Publication requested: the page says so and edits are refused.
		resp, _ = c.post(path, url.Values{"op": {"request"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("request publication: %d", resp.StatusCode)
		}
		_, body = c.get(path)
		if !strings.Contains(body, `id="pending-note"`) || strings.Contains(body, `id="add-line-btn"`) {
			t.Error("a pending configurator still offers edits")
		}
		resp, body = c.post(path, url.Values{"op": {"remove_line:1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "已申请发布，PSA 审核前不能修改配置器") {
			t.Errorf("edit while pending: %d", resp.StatusCode)
		}
	})
}

// postSheet uploads a sheet to the import form.
func (c *client) postSheet(path string, form url.Values, sheet []byte) (*http.Response, string) {
	c.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	part, _ := w.CreateFormFile("import_file", "list.xlsx")
	part.Write(sheet)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func countLists(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM configuration_lists`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConfigurationListPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "solution")
		pub := demoConfigurators(t, db)[configurator.Published]
		path := "/console/solutions/" + pub.SolutionID + "/configurator"
		_, body := c.get(path)
		if !strings.Contains(body, `id="import-rule"`) || !strings.Contains(body, "任何一行有误时不导入任何数据") || strings.Contains(body, `id="add-line-btn"`) {
			t.Fatal("the published configurator's page: no import rule, or still editable")
		}
		// A list with values breaking the rule: the message next to the value.
		n := countLists(t, db)
		resp, body := c.post(path+"/lists", url.Values{"list_name": {"测试"}, "v.users": {"800"}, "v.ha": {"否"}, "v.storage_tb": {"2"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || fieldMessages(body)["v.users"] != "超过 500 并发阅片用户须选择高可用部署" || countLists(t, db) != n {
			t.Fatalf("values breaking a rule: %d %v", resp.StatusCode, fieldMessages(body))
		}
		resp, _ = c.post(path+"/lists", url.Values{"list_name": {"测试"}, "v.users": {"800"}, "v.ha": {"是"}, "v.storage_tb": {"2"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/solutions/center/lists/") {
			t.Fatalf("make a list: %d", resp.StatusCode)
		}
		listPath := resp.Header.Get("Location")
		resp, body = c.get(listPath)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="bill-total"`) || !strings.Contains(body, "pi2.2xlarge.4.linux") {
			t.Fatalf("list page: %d", resp.StatusCode)
		}
		resp, body = c.get(listPath + "/export")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.HasPrefix(body, "PK") {
			t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		// Submitting before linking, then linking another partner's opportunity.
		resp, body = c.post(listPath+"/submit", nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请先关联商机再提交配置单") {
			t.Errorf("submit unlinked: %d", resp.StatusCode)
		}
		var foreign string
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT o.id FROM opportunities o JOIN partners p ON p.id = o.partner_id
			WHERE p.name = 'distributor' LIMIT 1`).Scan(&foreign); err != nil {
			t.Fatal(err)
		}
		resp, body = c.post(listPath+"/link", url.Values{"opportunity_id": {foreign}})
		if resp.StatusCode != http.StatusUnprocessableEntity || fieldMessages(body)["opportunity_id"] != "请选择您的商机" {
			t.Errorf("link another partner's opportunity: %d %v", resp.StatusCode, fieldMessages(body))
		}
		// The template downloads; a sheet with bad rows imports nothing and
		// names each row.
		resp, tmpl := c.get("/console/solutions/center/template.xlsx")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(tmpl, "PK") {
			t.Fatalf("template: %d", resp.StatusCode)
		}
		var sheet bytes.Buffer
		labels := configurator.SheetLabels{Header: []string{"产品规格编码", "计费模式", "周期", "数量"}}
		if err := configurator.WriteTemplate(&sheet, labels, [][]string{{"s6.xlarge.2.linux", "包月", "1", "2"}, {"nope", "包月", "1", "1"},
			{"s6.xlarge.2.linux", "包月", "1", "-3"}}); err != nil {
			t.Fatal(err)
		}
		n = countLists(t, db)
		resp, body = c.postSheet(path+"/import", url.Values{"import_name": {"导入"}}, sheet.Bytes())
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "有 2 行数据有误，未导入任何数据") ||
			!strings.Contains(body, "<td>3</td><td>产品规格编码</td><td>没有在售产品的规格编码为 nope</td>") ||
			!strings.Contains(body, "<td>4</td><td>数量</td><td>数量 -3 不是 1 到 1000000 之间的整数</td>") || countLists(t, db) != n {
			t.Fatalf("bad rows: %d\n%s", resp.StatusCode, body)
		}
	})
}

func TestConfiguratorOfAnotherPartnerIsInvisible(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "reseller")
		pub := demoConfigurators(t, db)
		var list string
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT id FROM configuration_lists LIMIT 1`).Scan(&list); err != nil {
			t.Fatal(err)
		}
		published := pub[configurator.Published]
		for _, path := range []string{"/console/solutions/" + published.SolutionID + "/configurator", "/console/solutions/center/lists/" + list,
			"/console/solutions/center/lists/" + list + "/export"} {
			if resp, _ := c.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", path, resp.StatusCode)
			}
		}
		if resp, body := c.get("/console/solutions/center"); resp.StatusCode != http.StatusOK || strings.Contains(body, demo.DemoPublishedSolution) ||
			strings.Contains(body, "/console/solutions/center/lists/") {
			t.Errorf("another partner's center shows the demo partner's configurators: %d", resp.StatusCode)
		}
	})
}

func TestConfiguratorSignOffInTheBackOffice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, partnerClient := signedIn(t, db, "solution")
		dev := demoConfigurators(t, db)[configurator.Editing]
		if resp, _ := partnerClient.post("/console/solutions/"+dev.SolutionID+"/configurator", url.Values{"op": {"request"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("request: %d", resp.StatusCode)
		}
		psa := e.client()
		psa.signIn("psa")
		resp, body := psa.get("/console/staff/solutions/configurators")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "/console/staff/solutions/configurators/"+dev.ID) {
			t.Fatalf("queue: %d", resp.StatusCode)
		}
		detail := "/console/staff/solutions/configurators/" + dev.ID
		resp, body = psa.get(detail)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="approve"`) || !strings.Contains(body, "ceil(students / 4)") {
			t.Fatalf("detail: %d", resp.StatusCode)
		}
		resp, body = psa.post(detail+"/decide", url.Values{"op": {"return"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || fieldMessages(body)["comment"] != "请填写退回原因" {
			t.Fatalf("return without a reason: %d %v", resp.StatusCode, fieldMessages(body))
		}
		if resp, _ = psa.post(detail+"/decide", url.Values{"op": {"approve"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d", resp.StatusCode)
		}
		s, err := solution.Get(context.Background(), db.Reader(), solution.Viewer{}, dev.SolutionID)
		if err != nil || s.Status != solution.Published {
			t.Fatalf("solution after sign-off: %+v %v", s, err)
		}
		// A partner cannot open the back office's page.
		if resp, _ := partnerClient.get(detail); resp.StatusCode != http.StatusForbidden {
			t.Errorf("partner on the sign-off page: %d", resp.StatusCode)
		}
	})
}
