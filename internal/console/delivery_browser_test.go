package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/delivery"
	"partnercenter/internal/demo"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store/storetest"
)

// Seed snippet 9 in the browser: the distributor opens 交付 > 基线解决方案 >
// 项目交付评价, filters its projects by 已登记, clicks 反馈交付状态 on one,
// is told what is missing when it submits the form empty, then reports it
// 已验收; the list shows the project accepted and waiting for sampling.
func TestBrowserDeliveryFeedback(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	b := newBrowser(t, e)
	id := projectIn(t, e.db, "distributor", delivery.Registered, "")

	b.signIn("distributor", demo.Password)
	b.menuTo("交付", deliveryListPath)
	if got := b.text("main h1"); got != "项目交付评价" {
		t.Errorf("the page is %q", got)
	}
	b.do("filter 已登记",
		chromedp.SetValue(chromedp.CSS("#f-status"), delivery.Registered),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll("#projects tbody tr")].every(r => r.dataset.status === "registered")`,
			chromedp.WithPollingInterval(50*time.Millisecond)),
	)
	b.checkConsole("filter")
	b.clickAndLoad(`#projects tr a[href="` + deliveryListPath + "/" + id + `/feedback"]`)
	if got := b.text("main h1"); got != "反馈交付状态" {
		t.Errorf("the form is %q", got)
	}
	// The server's own checks, as a browser that does not validate sees them.
	eval[bool](b, `document.querySelector("#feedback-form").noValidate = true`)
	b.clickAndLoad("#submit-feedback")
	if got := b.text("#f-status-msg"); got != "请选择已验收或中止交易" {
		t.Errorf("the empty form says %q next to the status", got)
	}
	if p := project(t, e.db, id); p.Status != delivery.Registered {
		t.Fatalf("the refused form changed the project to %s", p.Status)
	}
	today := time.Now().In(i18n.Location("")).Format("2006-01-02")
	b.do("report 已验收",
		chromedp.SetValue(chromedp.CSS("#f-status"), delivery.Accepted),
		chromedp.SetValue(chromedp.CSS("#f-date"), today),
		chromedp.SendKeys(chromedp.CSS("#f-note"), "客户已签署验收报告"),
	)
	b.clickAndLoad("#submit-feedback")
	if got := b.text(".flash"); !strings.Contains(got, "已反馈为已验收") {
		t.Errorf("after reporting: %q", got)
	}
	if got := b.text("#flow"); got != "项目已验收，等待华为云抽样。" {
		t.Errorf("the project page says %q", got)
	}
	if p := project(t, e.db, id); p.Status != delivery.Accepted || p.Evaluation != delivery.AwaitingSampling || p.StatusNote != "客户已签署验收报告" {
		t.Errorf("stored: %+v", p)
	}
	b.open(deliveryListPath + "?status=accepted&evaluation=awaiting_sampling")
	if n := eval[int](b, `document.querySelectorAll('#projects tr[data-status="accepted"] a[href$="/feedback"]').length`); n != 0 {
		t.Errorf("accepted projects still offer 反馈交付状态 (%d)", n)
	}
	if dead := b.deadLinks(); len(dead) > 0 {
		t.Errorf("dead links %v", dead)
	}
	b.checkConsole("delivery list")
}

// Seed snippet 12 in the browser: a project not sampled says its flow has
// ended and takes no evidence; a sampled one takes 提交举证材料 with files
// chosen in the page, refuses a file of a forbidden type next to its item,
// and goes to evaluation; the evaluator passes it in the back office and
// the partner sees the result.
func TestBrowserDeliveryEvidence(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	b := newBrowser(t, e)
	notSampled := projectIn(t, e.db, "distributor", delivery.Accepted, delivery.NotSampled)
	sampled := projectIn(t, e.db, "distributor", delivery.Accepted, delivery.EvidenceRequired)
	dir := t.TempDir()
	files := map[string][]byte{"sow.pdf": testPDF, "验收报告.pdf": testPDF, "page.pdf": []byte("<html><body>not a pdf</body></html>")}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	b.signIn("distributor", demo.Password)
	b.open(deliveryListPath + "/" + notSampled)
	if got := b.text("#flow"); got != "该项目未被抽中，交付评价流程结束。" {
		t.Errorf("the project not sampled says %q", got)
	}
	b.open(deliveryListPath + "/" + notSampled + "/evidence")
	if got := b.text("#closed"); got != "该项目未被抽中，交付评价流程结束。" {
		t.Errorf("the evidence page of a project not sampled says %q", got)
	}
	if n := eval[int](b, `document.querySelectorAll('#evidence-form').length`); n != 0 {
		t.Error("a project not sampled offers the evidence form")
	}

	b.open(deliveryListPath + "?evaluation=evidence_required")
	b.clickAndLoad(`#projects tr a[href="` + deliveryListPath + "/" + sampled + `/evidence"]`)
	if got := b.text("main h1"); got != "提交举证材料" {
		t.Errorf("the form is %q", got)
	}
	b.do("choose a forbidden file",
		chromedp.SetUploadFiles(chromedp.CSS("#f-sow"), []string{filepath.Join(dir, "sow.pdf")}),
		chromedp.SetUploadFiles(chromedp.CSS("#f-acceptance"), []string{filepath.Join(dir, "page.pdf")}),
	)
	b.clickAndLoad("#submit-evidence")
	if got := b.text("#f-acceptance-msg"); !strings.Contains(got, "不接受此类型的文件（text/html）") {
		t.Errorf("the forbidden file's message: %q", got)
	}
	if p := project(t, e.db, sampled); p.Evaluation != delivery.EvidenceRequired {
		t.Fatalf("the refused evidence moved the project to %s", p.Evaluation)
	}
	b.do("choose the evidence",
		chromedp.SetUploadFiles(chromedp.CSS("#f-sow"), []string{filepath.Join(dir, "sow.pdf")}),
		chromedp.SetUploadFiles(chromedp.CSS("#f-acceptance"), []string{filepath.Join(dir, "验收报告.pdf")}),
		chromedp.SendKeys(chromedp.CSS("#f-note"), "验收材料齐全"),
	)
	b.clickAndLoad("#submit-evidence")
	if got := b.text("#flow"); got != "举证材料已提交，正在评估。" {
		t.Errorf("after submitting: %q", got)
	}
	if got := b.text("#rounds"); !strings.Contains(got, "第 1 次提交 · 评估中") || !strings.Contains(got, "验收报告.pdf") {
		t.Errorf("the round shown: %q", got)
	}
	if dead := b.deadLinks(); len(dead) > 0 {
		t.Errorf("dead links %v", dead)
	}
	b.checkConsole("evidence submitted")

	// The evaluator passes it in the back office.
	b.signOut()
	b.signIn("evaluator", demo.Password)
	b.open("/console/staff/delivery/projects/" + sampled)
	b.do("score and pass",
		chromedp.SendKeys(chromedp.CSS("#f-score"), "86"),
		chromedp.Click(chromedp.CSS(`input[name=result][value=passed]`)),
		chromedp.SendKeys(chromedp.CSS("#f-comment"), "SOW 与验收报告一致"),
	)
	b.clickAndLoad("#submit-evaluation")
	if got := b.text("#evaluation-status"); got != "评估通过" {
		t.Errorf("after the evaluation: %q", got)
	}
	b.checkConsole("evaluation")

	b.signOut()
	b.signIn("distributor", demo.Password)
	b.open(deliveryListPath + "/" + sampled)
	if got := b.text("#rounds"); !strings.Contains(got, "评分 86") || !strings.Contains(got, "SOW 与验收报告一致") {
		t.Errorf("the partner sees %q", got)
	}
	b.checkConsole("result")
}

const deliveryListPath = "/console/delivery/evaluations"
