package console_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/upload"
)

// The console's materials are uploads: on PostgreSQL the default directory
// would be ./data/uploads inside this package, so the tests keep them in a
// temporary directory instead.
func init() {
	if os.Getenv(upload.EnvDir) == "" {
		if dir, err := os.MkdirTemp("", "partnercenter-console-uploads-"); err == nil {
			os.Setenv(upload.EnvDir, dir)
		}
	}
}

// testPDF is a body the upload sniffer takes for a PDF.
var testPDF = []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// postFiles submits a multipart form with files by field name, as a
// same-origin page would.
func (c *client) postFiles(path string, form url.Values, files map[string][]byte) (*http.Response, string) {
	c.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for field, body := range files {
		part, _ := w.CreateFormFile(field, field+".pdf")
		part.Write(body)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// solutionsOf lists a partner's solutions by status.
func solutionsOf(t *testing.T, db *store.DB, partner string) map[string]*solution.Solution {
	t.Helper()
	list, _, err := solution.List(context.Background(), db.Reader(), solution.Filter{Viewer: solution.Viewer{PartnerID: partnerID(t, db, partner)},
		Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*solution.Solution{}
	for _, s := range list {
		out[s.Status] = s
	}
	return out
}

var solutionRowPattern = regexp.MustCompile(`(?s)<tr data-id="([^"]+)" data-status="([^"]+)">(.*?)</tr>`)

// solutionRows reads the list's rows: status and the 操作 cell by id.
func solutionRows(body string) map[string][2]string {
	out := map[string][2]string{}
	for _, m := range solutionRowPattern.FindAllStringSubmatch(body, -1) {
		out[m[1]] = [2]string{m[2], m[3]}
	}
	return out
}

// Seed snippet 8's list: every status of the demo partner, 配置器开发 only
// on the row in 配置器开发中, 编辑 and 提交 on the draft and the returned
// one, and the query by name and status.
func TestSolutionList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "solution")
		byStatus := solutionsOf(t, db, "solution")
		resp, body := c.get("/console/solutions")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("list: %d\n%s", resp.StatusCode, body)
		}
		rows := solutionRows(body)
		if len(rows) != len(solution.Statuses) {
			t.Fatalf("%d rows, want one per status", len(rows))
		}
		// The configuration centre is reachable from the list, whatever the
		// solutions' statuses (a published one's lists live there).
		if !strings.Contains(body, `id="configurator-center"`) || !strings.Contains(body, `href="/console/solutions/center"`) {
			t.Error("the list has no way to 解决方案配置中心")
		}
		for _, h := range []string{"解决方案名称", "行业", "状态", "更新时间", "操作"} {
			if !strings.Contains(body, "<th scope=\"col\">"+h+"</th>") {
				t.Errorf("no column %s", h)
			}
		}
		for id, row := range rows {
			ops := row[1]
			wantConfigurator := row[0] == solution.ConfiguratorDev
			if got := strings.Contains(ops, "配置器开发"); got != wantConfigurator {
				t.Errorf("%s row offers 配置器开发: %v", row[0], got)
			}
			if wantConfigurator && !strings.Contains(ops, `href="/console/solutions/`+id+`/configurator"`) {
				t.Errorf("配置器开发 links elsewhere: %s", ops)
			}
			editable := row[0] == solution.Draft || row[0] == solution.Returned
			if strings.Contains(ops, ">编辑<") != editable || strings.Contains(ops, ">提交<") != editable {
				t.Errorf("%s row: 编辑/提交 offered wrongly: %s", row[0], ops)
			}
			if !strings.Contains(ops, ">查看<") {
				t.Errorf("%s row without 查看", row[0])
			}
		}
		if rows[byStatus[solution.ConfiguratorDev].ID][0] != solution.ConfiguratorDev {
			t.Fatal("the solution in 配置器开发中 is not listed as such")
		}
		_, body = c.get("/console/solutions?status=configurator_dev")
		if rows := solutionRows(body); len(rows) != 1 || !strings.Contains(body, "教育智算实训平台") {
			t.Fatalf("by status: %v", rows)
		}
		_, body = c.get("/console/solutions?name=" + url.QueryEscape("政务"))
		if rows := solutionRows(body); len(rows) != 1 || !strings.Contains(body, "政务云灾备解决方案") {
			t.Fatalf("by name: %v", rows)
		}
		resp, body = c.get("/console/solutions?status=bogus")
		if resp.StatusCode != http.StatusOK || len(solutionRows(body)) != 0 || !strings.Contains(body, i18n.T(i18n.ZH, "form.invalid")) {
			t.Fatalf("a bad status is not named: %d", resp.StatusCode)
		}
	})
}

// Another partner sees none of them, and opening one answers not found.
func TestSolutionOtherPartner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "reseller")
		draft := solutionsOf(t, db, "solution")[solution.Draft]
		_, body := c.get("/console/solutions")
		if len(solutionRows(body)) != 0 {
			t.Fatal("another partner's solutions are listed")
		}
		for _, path := range []string{"/console/solutions/" + draft.ID, "/console/solutions/" + draft.ID + "/edit"} {
			if resp, _ := c.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
		before := solutionsOf(t, db, "solution")[solution.Draft]
		resp, _ := c.post("/console/solutions/"+draft.ID+"/submit", url.Values{})
		resp2, _ := c.post("/console/solutions/"+draft.ID+"/messages", url.Values{"body": {"hello"}})
		if resp.StatusCode != http.StatusNotFound || resp2.StatusCode != http.StatusNotFound {
			t.Fatalf("submit %d, message %d, want 404", resp.StatusCode, resp2.StatusCode)
		}
		thread, _ := solution.Thread(context.Background(), db.Reader(), draft.ID)
		if after := solutionsOf(t, db, "solution")[solution.Draft]; *after != *before || len(thread) != 0 {
			t.Fatal("another partner changed the solution")
		}
		// Nor may a partner use the back office.
		if resp, _ := c.get("/console/staff/solutions"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("back office for a partner: %d", resp.StatusCode)
		}
	})
}

// Creating a solution: a submission lacking fields and files names every
// one next to its field and saves nothing; a file of a forbidden type is
// refused next to its input; with everything it is submitted for joint
// approval and the PSA is notified.
func TestSolutionCreateAndSubmit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "solution")
		count := func() int {
			var n int
			db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM solutions`).Scan(&n)
			return n
		}
		before := count()
		resp, body := c.postFiles("/console/solutions/new", url.Values{"name": {"云上数据湖"}, "action": {"submit"}}, nil)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("incomplete submission: %d", resp.StatusCode)
		}
		for _, key := range []string{"solution.industry_required", "solution.description_required", "solution.approval_required",
			"solution.features_required"} {
			if !strings.Contains(body, i18n.T(i18n.ZH, key)) {
				t.Errorf("no message %s", key)
			}
		}
		if count() != before {
			t.Fatal("a refused submission saved a solution")
		}
		resp, body = c.postFiles("/console/solutions/new", url.Values{"name": {"云上数据湖"}, "industry": {"internet"}, "description": {"d"},
			"action": {"submit"}}, map[string][]byte{solution.ApprovalMaterials: []byte("just text, not a document"), solution.FeatureList: testPDF})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-approval_materials-msg"`) || count() != before {
			t.Fatalf("a text file as materials: %d\n%s", resp.StatusCode, body)
		}
		resp, body = c.postFiles("/console/solutions/new", url.Values{"name": {"云上数据湖"}, "industry": {"internet"}, "description": {"d"},
			"action": {"submit"}}, map[string][]byte{solution.ApprovalMaterials: testPDF, solution.FeatureList: testPDF})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("complete submission: %d\n%s", resp.StatusCode, body)
		}
		id := strings.TrimPrefix(resp.Header.Get("Location"), "/console/solutions/")
		s, err := solution.Get(context.Background(), db.Reader(), solution.Viewer{}, id)
		if err != nil || s.Status != solution.JointApproval {
			t.Fatalf("submitted solution: %+v (%v)", s, err)
		}
		_, body = c.get("/console/solutions/" + id)
		if !strings.Contains(body, "联合立项审批中") || strings.Count(body, `class="download"`) != 2 || !strings.Contains(body, "提交联合立项") {
			t.Fatalf("the page shows no status, materials or timeline:\n%s", body)
		}
		var n int
		db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
			WHERE u.username = 'psa' AND n.kind = 'solution.submitted' AND n.subject_id = ?`, id).Scan(&n)
		if n != 1 {
			t.Fatalf("the PSA got %d notifications", n)
		}
		// A submitted solution is not editable.
		resp, body = c.postFiles("/console/solutions/"+id+"/edit", url.Values{"name": {"x"}}, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, i18n.T(i18n.ZH, "solution.not_editable")) {
			t.Fatalf("editing a submitted solution: %d", resp.StatusCode)
		}
		if s, _ := solution.Get(context.Background(), db.Reader(), solution.Viewer{}, id); s.Name != "云上数据湖" {
			t.Fatalf("the refused edit renamed it %q", s.Name)
		}
	})
}

// The PSA's side: the queue, returning needs a reason and shows it to the
// partner, approving moves to joint design, the answer reaches the partner
// with a notification.
func TestSolutionBackOffice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, psa := signedIn(t, db, "psa")
		partner := e.client()
		partner.signIn("solution")
		pending := solutionsOf(t, db, "solution")[solution.JointApproval]
		_, body := psa.get("/console/staff/solutions?awaiting=1")
		if rows := solutionRows(body); len(rows) != 1 || rows[pending.ID][0] != solution.JointApproval {
			t.Fatalf("awaiting queue: %v", rows)
		}
		_, body = psa.get("/console/staff/solutions/" + pending.ID)
		for _, want := range []string{"联合立项通过", "退回", `class="download"`, "容灾架构图"} {
			if !strings.Contains(body, want) {
				t.Errorf("the PSA's page lacks %s", want)
			}
		}
		resp, body := psa.post("/console/staff/solutions/"+pending.ID+"/move", url.Values{"action": {solution.Return}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "solution.reason_required")) {
			t.Fatalf("return without a reason: %d", resp.StatusCode)
		}
		if s := solutionsOf(t, db, "solution")[solution.JointApproval]; s == nil || s.ID != pending.ID {
			t.Fatal("a refused return changed the status")
		}
		resp, _ = psa.post("/console/staff/solutions/"+pending.ID+"/move", url.Values{"action": {solution.StartConfigurator}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("skipping joint design: %d", resp.StatusCode)
		}
		resp, _ = psa.post("/console/staff/solutions/"+pending.ID+"/move", url.Values{"action": {solution.Return}, "reason": {"请补充容灾演练报告"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("return: %d", resp.StatusCode)
		}
		_, body = partner.get("/console/solutions/" + pending.ID)
		if !strings.Contains(body, "请补充容灾演练报告") || !strings.Contains(body, "已退回") {
			t.Fatal("the partner does not see the return and its reason")
		}
		if _, body := partner.get("/console/inbox"); !strings.Contains(body, i18n.T(i18n.ZH, "solution.moved.returned", pending.Name)) {
			t.Fatal("no notification of the return in the partner's inbox")
		}
		resp, _ = psa.post("/console/staff/solutions/"+pending.ID+"/messages", url.Values{"body": {"架构图放在立项材料里即可。"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("answer: %d", resp.StatusCode)
		}
		_, body = partner.get("/console/solutions/" + pending.ID)
		if !strings.Contains(body, "架构图放在立项材料里即可。") {
			t.Fatal("the partner does not see the answer")
		}
		_, body = partner.get("/console/inbox")
		if !strings.Contains(body, i18n.T(i18n.ZH, "solution.answered", pending.Name)) {
			t.Fatal("no notification of the answer in the partner's inbox")
		}
		if !strings.Contains(body, `data-href="/console/solutions/`+pending.ID+`#thread"`) {
			t.Fatal("the notification does not open the solution's thread")
		}
		// The partner cannot use the PSA's moves, and the PSA's answer form refuses an empty message.
		if resp, _ := partner.post("/console/staff/solutions/"+pending.ID+"/move", url.Values{"action": {solution.Approve}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("partner approving: %d", resp.StatusCode)
		}
		resp, body = psa.post("/console/staff/solutions/"+pending.ID+"/messages", url.Values{"body": {"  "}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "solution.message_required")) {
			t.Fatalf("empty answer: %d", resp.StatusCode)
		}
		// Resubmitted, approved: joint design.
		if resp, body := partner.post("/console/solutions/"+pending.ID+"/submit", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("resubmit: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := psa.post("/console/staff/solutions/"+pending.ID+"/move", url.Values{"action": {solution.Approve}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d", resp.StatusCode)
		}
		if s, _ := solution.Get(context.Background(), db.Reader(), solution.Viewer{}, pending.ID); s.Status != solution.JointDesign {
			t.Fatalf("approved into %s", s.Status)
		}
	})
}

// The returned solution: its form shows the materials, 删除 takes one off,
// a new file replaces it, and 提交 sends it back to joint approval.
func TestSolutionEditReturned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "solution")
		returned := solutionsOf(t, db, "solution")[solution.Returned]
		ctx := context.Background()
		files, err := solution.Files(ctx, db.Reader(), returned.ID)
		if err != nil || len(files) != 2 {
			t.Fatalf("materials %v (%v)", files, err)
		}
		resp, body := c.get("/console/solutions/" + returned.ID + "/edit")
		remove := "/console/solutions/" + returned.ID + "/files/" + files[1].ID + "/delete"
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="`+remove+`"`) || !strings.Contains(body, returned.ReturnReason) {
			t.Fatalf("edit form: %d, no 删除 for %s", resp.StatusCode, files[1].Name)
		}
		if resp, _ := c.post(remove, url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("删除: %d", resp.StatusCode)
		}
		resp, body = c.post("/console/solutions/"+returned.ID+"/submit", url.Values{})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "solution.features_required")) {
			t.Fatalf("submitting without the feature list: %d", resp.StatusCode)
		}
		resp, body = c.postFiles("/console/solutions/"+returned.ID+"/edit", url.Values{"name": {returned.Name}, "industry": {returned.Industry},
			"description": {"按产品维度补充了功能清单"}, "action": {"submit"}}, map[string][]byte{solution.FeatureList: testPDF})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("resubmission: %d\n%s", resp.StatusCode, body)
		}
		s, _ := solution.Get(ctx, db.Reader(), solution.Viewer{}, returned.ID)
		files, _ = solution.Files(ctx, db.Reader(), returned.ID)
		if s.Status != solution.JointApproval || s.Description != "按产品维度补充了功能清单" || len(files) != 2 {
			t.Fatalf("after resubmitting: %s, %q, %d files", s.Status, s.Description, len(files))
		}
		var audited int
		db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND action IN ('solution.detach', 'solution.attach', 'solution.submit')`,
			returned.ID).Scan(&audited)
		if audited != 3 {
			t.Fatalf("%d audit entries, want removal, upload and submission", audited)
		}
	})
}

// A solution's materials download for its partner and for the PSA, and
// answer not found to another partner.
func TestSolutionMaterialsDownload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, owner := signedIn(t, db, "solution")
		psa, stranger := e.client(), e.client()
		psa.signIn("psa")
		stranger.signIn("reseller")
		s := solutionsOf(t, db, "solution")[solution.JointDesign]
		_, body := owner.get("/console/solutions/" + s.ID)
		links := regexp.MustCompile(`<a href="(/console/files/[^"]+)" class="download">`).FindAllStringSubmatch(body, -1)
		if len(links) != len(solution.FileKinds) {
			t.Fatalf("%d download links on the partner's page", len(links))
		}
		_, staffBody := psa.get("/console/staff/solutions/" + s.ID)
		for _, l := range links {
			if !strings.Contains(staffBody, `href="`+l[1]+`"`) {
				t.Errorf("the PSA's page lacks %s", l[1])
			}
			for who, c := range map[string]*client{"owner": owner, "psa": psa} {
				resp, got := c.get(l[1])
				if resp.StatusCode != http.StatusOK || !strings.HasPrefix(got, "%PDF-") || resp.Header.Get("Content-Type") != upload.PDF {
					t.Errorf("%s downloading %s: %d %s", who, l[1], resp.StatusCode, resp.Header.Get("Content-Type"))
				}
			}
			if resp, _ := stranger.get(l[1]); resp.StatusCode != http.StatusNotFound {
				t.Errorf("another partner downloading %s: %d", l[1], resp.StatusCode)
			}
		}
	})
}

// Every page of 解决方案构建 and 解决方案审批 in English, for every status and
// the inbox: no message is left as its key.
func TestSolutionPagesInEnglish(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db)
	rawKey := regexp.MustCompile(`\b(solutions?|staff_solutions|common|opportunity\.industry)\.[a-z_.]+\b`)
	check := func(c *client, paths ...string) {
		t.Helper()
		for _, path := range paths {
			resp, body := c.get(path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `lang="en"`) {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
			if k := rawKey.FindString(body); k != "" {
				t.Errorf("%s shows the key %s", path, k)
			}
		}
	}
	p := e.client()
	p.signIn("solution")
	p.post("/console/locale", url.Values{"lang": {"en"}, "next": {"/console/home"}})
	s := e.client()
	s.signIn("psa")
	s.post("/console/locale", url.Values{"lang": {"en"}, "next": {"/console/staff"}})
	partnerPaths := []string{"/console/solutions", "/console/solutions/new", "/console/inbox"}
	staffPaths := []string{"/console/staff/solutions", "/console/staff/solutions?awaiting=1", "/console/inbox"}
	for status, sol := range solutionsOf(t, db, "solution") {
		partnerPaths = append(partnerPaths, "/console/solutions/"+sol.ID)
		staffPaths = append(staffPaths, "/console/staff/solutions/"+sol.ID)
		if solution.Editable(status) {
			partnerPaths = append(partnerPaths, "/console/solutions/"+sol.ID+"/edit")
		}
	}
	check(p, partnerPaths...)
	check(s, staffPaths...)
}
