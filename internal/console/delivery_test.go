package console_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partnercenter/internal/delivery"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// projectIn returns the id of the first demo project of a partner in an
// evaluation state ("" for none) and delivery status.
func projectIn(t *testing.T, db *store.DB, partner, status, evaluation string) string {
	t.Helper()
	var id string
	err := db.Reader().QueryRowContext(context.Background(), `SELECT d.id FROM delivery_projects d JOIN partners p ON p.id = d.partner_id
		WHERE p.name = ? AND d.status = ? AND d.evaluation = ? ORDER BY d.registered_at, d.id LIMIT 1`, partner, status, evaluation).Scan(&id)
	if err != nil {
		t.Fatalf("no %s/%s project of %s: %v", status, evaluation, partner, err)
	}
	return id
}

func project(t *testing.T, db *store.DB, id string) *delivery.Project {
	t.Helper()
	p, err := delivery.Get(context.Background(), db.Reader(), delivery.Viewer{}, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeliveryListAndDetail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		_, body := c.get("/console/delivery/evaluations")
		for _, want := range []string{"项目交付评价", "已登记", "已验收", "中止交易", "反馈交付状态", "提交举证材料", "政务云灾备建设"} {
			if !strings.Contains(body, want) {
				t.Errorf("the list lacks %q", want)
			}
		}
		_, body = c.get("/console/delivery/evaluations?status=terminated")
		if !strings.Contains(body, "智慧港口调度") || strings.Contains(body, "政务云灾备建设") {
			t.Errorf("the status filter does not filter")
		}
		if resp, body := c.get("/console/delivery/evaluations?status=bogus"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("a bad status filter: %d", resp.StatusCode)
		}
		notSampled := projectIn(t, db, "distributor", delivery.Accepted, delivery.NotSampled)
		if _, body := c.get("/console/delivery/evaluations/" + notSampled); !strings.Contains(body, "该项目未被抽中，交付评价流程结束") {
			t.Errorf("a project not sampled does not say its flow ended")
		}
		rejected := projectIn(t, db, "distributor", delivery.Accepted, delivery.Rejected)
		if _, body := c.get("/console/delivery/evaluations/" + rejected); !strings.Contains(body, "验收报告缺少客户签字页") || !strings.Contains(body, "评分 52") {
			t.Errorf("the rejected project does not show its evaluation")
		}
		// Another partner's project does not exist for the distributor.
		_ = e
		theirs := projectIn(t, db, "reseller", delivery.Registered, "")
		if resp, _ := c.get("/console/delivery/evaluations/" + theirs); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner's project: %d", resp.StatusCode)
		}
	})
}

func TestDeliveryFeedbackForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		id := projectIn(t, db, "distributor", delivery.Registered, "")
		path := "/console/delivery/evaluations/" + id + "/feedback"
		before := project(t, db, id)
		today := db.Now().In(i18n.Location("")).Format("2006-01-02")
		for _, bad := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"date": {today}}, "请选择已验收或中止交易"},
			{url.Values{"status": {"accepted"}}, "请填写日期"},
			{url.Values{"status": {"accepted"}, "date": {"2099-01-01"}}, "日期须在项目登记日期与今天之间"},
			{url.Values{"status": {"terminated"}, "date": {today}}, "中止交易须说明原因"},
		} {
			resp, body := c.post(path, bad.form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, bad.want) {
				t.Errorf("%v: %d, want the message %q", bad.form, resp.StatusCode, bad.want)
			}
		}
		if after := project(t, db, id); after.Status != delivery.Registered || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Fatalf("refused feedback changed the project: %+v", after)
		}
		resp, _ := c.post(path, url.Values{"status": {"accepted"}, "date": {today}, "note": {"客户已验收"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("feedback: %d", resp.StatusCode)
		}
		if after := project(t, db, id); after.Status != delivery.Accepted || after.Evaluation != delivery.AwaitingSampling {
			t.Fatalf("after feedback: %+v", after)
		}
		// Closed now: the page says so and a second report changes nothing.
		resp, body := c.post(path, url.Values{"status": {"terminated"}, "date": {today}, "note": {"x"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "该项目已反馈交付状态") {
			t.Errorf("feedback on a closed project: %d", resp.StatusCode)
		}
		if after := project(t, db, id); after.Status != delivery.Accepted {
			t.Errorf("a closed project changed to %s", after.Status)
		}
		// Another partner's project answers not found and stays as it was.
		theirs := projectIn(t, db, "reseller", delivery.Registered, "")
		if resp, _ := c.post("/console/delivery/evaluations/"+theirs+"/feedback", url.Values{"status": {"accepted"}, "date": {today}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("feedback on another partner's project: %d", resp.StatusCode)
		}
		if p := project(t, db, theirs); p.Status != delivery.Registered {
			t.Errorf("another partner's project changed to %s", p.Status)
		}
	})
}

func TestDeliveryEvidenceForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		uploads, rounds := countRows(t, db, "uploads"), countRows(t, db, "delivery_evidence_rounds")
		notSampled := projectIn(t, db, "distributor", delivery.Accepted, delivery.NotSampled)
		resp, body := c.postFiles("/console/delivery/evaluations/"+notSampled+"/evidence", nil,
			map[string][]byte{"sow": testPDF, "acceptance": testPDF})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "该项目未被抽中，无需提交举证材料") {
			t.Errorf("evidence for a project not sampled: %d", resp.StatusCode)
		}
		id := projectIn(t, db, "distributor", delivery.Accepted, delivery.EvidenceRequired)
		path := "/console/delivery/evaluations/" + id + "/evidence"
		tooLarge := append(append([]byte(nil), testPDF...), bytes.Repeat([]byte(" "), delivery.MaxEvidenceBytes)...)
		for _, bad := range []struct {
			name  string
			files map[string][]byte
			want  string
		}{
			{"too large", map[string][]byte{"sow": tooLarge, "acceptance": testPDF}, "文件超过 20 MB 的大小限制"},
			{"forbidden type", map[string][]byte{"sow": testPDF, "acceptance": []byte("<html><script>alert(1)</script></html>")}, "不接受此类型的文件（text/html）"},
			{"SOW missing", map[string][]byte{"acceptance": testPDF}, "请上传此项材料"},
		} {
			resp, body := c.postFiles(path, nil, bad.files)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, bad.want) {
				t.Errorf("%s: %d, want %q", bad.name, resp.StatusCode, bad.want)
			}
		}
		if got := countRows(t, db, "delivery_evidence_rounds"); got != rounds {
			t.Errorf("refused evidence stored %d rounds", got-rounds)
		}
		if p := project(t, db, id); p.Evaluation != delivery.EvidenceRequired {
			t.Errorf("refused evidence moved the project to %s", p.Evaluation)
		}
		// Neither the refused files nor their accepted neighbours are kept.
		if got := countRows(t, db, "uploads"); got != uploads {
			t.Errorf("refused evidence kept %d files", got-uploads)
		}
		resp, _ = c.postFiles(path, url.Values{"note": {"补充材料"}}, map[string][]byte{"sow": testPDF, "acceptance": testPDF, "plan": testPDF})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("evidence: %d", resp.StatusCode)
		}
		if p := project(t, db, id); p.Evaluation != delivery.Evaluating || p.EvidenceRound != 1 {
			t.Fatalf("after evidence: %+v", p)
		}
	})
}

// Downloads: the owner and provider staff get the file, another partner
// gets not found.
func TestFileDownloadsIsolatedByTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		passed := projectIn(t, db, "distributor", delivery.Accepted, delivery.Passed)
		var fileID, name string
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT u.id, u.name FROM delivery_evidence_files f JOIN uploads u ON u.id = f.upload_id
			WHERE f.project_id = ? AND f.item = 'sow'`, passed).Scan(&fileID, &name); err != nil {
			t.Fatal(err)
		}
		_, page := c.get("/console/delivery/evaluations/" + passed)
		if !strings.Contains(page, "/console/files/"+fileID) {
			t.Fatalf("the project page does not link its evidence")
		}
		resp, body := c.get("/console/files/" + fileID)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "%PDF") || resp.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") || !strings.Contains(resp.Header.Get("Content-Disposition"), name) {
			t.Errorf("the owner's download: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		other := e.client()
		other.signIn("reseller")
		if resp, _ := other.get("/console/files/" + fileID); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner's download: %d", resp.StatusCode)
		}
		staff := e.client()
		staff.signIn("evaluator")
		if resp, body := staff.get("/console/files/" + fileID); resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "%PDF") {
			t.Errorf("provider staff's download: %d", resp.StatusCode)
		}
		if resp, _ := c.get("/console/files/..%2f..%2fetc%2fpasswd"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a path as a file id: %d", resp.StatusCode)
		}
	})
}

func TestStaffDeliveryEvaluationAndSampling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "evaluator")
		_, body := c.get("/console/staff/delivery")
		if !strings.Contains(body, "distributor") || !strings.Contains(body, "评估中") {
			t.Errorf("the back office's projects lack the distributor's")
		}
		_, body = c.get("/console/staff/delivery/runs")
		if !strings.Contains(body, "5eed0fde30000000000000000000d3e0") {
			t.Errorf("the runs tab does not show the stored seed")
		}
		runs, _, err := delivery.Runs(context.Background(), db.Reader(), 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, body := c.get("/console/staff/delivery/runs/" + runs[0].ID); !strings.Contains(body, `data-verified="true"`) {
			t.Errorf("the demo run does not verify")
		}

		id := projectIn(t, db, "distributor", delivery.Accepted, delivery.Evaluating)
		path := "/console/staff/delivery/projects/" + id + "/evaluate"
		for _, bad := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"score": {"101"}, "result": {"passed"}}, "评分须为 0 到 100 的整数"},
			{url.Values{"score": {"abc"}, "result": {"passed"}}, "评分须为 0 到 100 的整数"},
			{url.Values{"score": {"40"}}, "请选择通过或驳回"},
			{url.Values{"score": {"40"}, "result": {"rejected"}}, "驳回须说明需要修改的内容"},
		} {
			resp, body := c.post(path, bad.form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, bad.want) {
				t.Errorf("%v: %d, want %q", bad.form, resp.StatusCode, bad.want)
			}
		}
		if p := project(t, db, id); p.Evaluation != delivery.Evaluating {
			t.Fatalf("a refused verdict moved the project to %s", p.Evaluation)
		}
		if resp, _ := c.post(path, url.Values{"score": {"90"}, "result": {"passed"}, "comment": {"材料齐全"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("evaluate: %d", resp.StatusCode)
		}
		if p := project(t, db, id); p.Evaluation != delivery.Passed {
			t.Errorf("after passing: %s", p.Evaluation)
		}

		// A run by hand over the project waiting since the demo's run.
		if resp, body := c.post("/console/staff/delivery/runs", url.Values{"rate": {"150"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "抽样比例须在 0.01% 到 100% 之间") {
			t.Errorf("a rate over 100%%: %d", resp.StatusCode)
		}
		resp, _ := c.post("/console/staff/delivery/runs", url.Values{"rate": {"100"}, "seed": {"audit-2026"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("run: %d", resp.StatusCode)
		}
		if _, n, _ := delivery.Runs(context.Background(), db.Reader(), 0, 1); n != 2 {
			t.Errorf("%d runs after a run by hand", n)
		}
		if resp, body := c.post("/console/staff/delivery/runs", nil); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "没有等待抽样的已验收项目") {
			t.Errorf("a run with nothing to sample: %d", resp.StatusCode)
		}
		if resp, _ := c.post("/console/staff/delivery/settings", url.Values{"settings_rate": {"12.5"}, "interval_days": {"14"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("settings: %d", resp.StatusCode)
		}
		if s, _ := delivery.GetSettings(context.Background(), db.Reader()); s.RateBP != 1250 || s.IntervalDays != 14 {
			t.Errorf("settings stored: %+v", s)
		}
		// A partner user cannot open the back office.
		p := e.client()
		p.signIn("distributor")
		if resp, _ := p.get("/console/staff/delivery"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a partner in the back office: %d", resp.StatusCode)
		}
	})
}
