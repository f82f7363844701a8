package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/coupon"
	"partnercenter/internal/demo"
	"partnercenter/internal/store/storetest"
)

// TestBrowserCoupons walks the seed's coupon procedures as a total
// distributor: 代金券管理 > 代金券额度 > 详情 (snippet 19), 已发放代金券 >
// 详情 with the usage records (snippet 2), and 现金券管理 > 已发放现金券 >
// 回收, one coupon and then a batch (snippet 17).
func TestBrowserCoupons(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	db := e.db
	b := newBrowser(t, e)
	b.signIn("distributor", demo.Password)

	// Snippet 19: the quota and the vouchers issued from it.
	b.menuTo("销售", "/console/vouchers")
	if got := b.text(".tabs a.active"); got != "代金券额度" {
		t.Errorf("the active tab is %q", got)
	}
	b.clickAndLoad(`#list td.ops > a[href="/console/vouchers/quotas/` + demoQuota(t, db, "distributor", coupon.VoucherQuota).ID + `"]`)
	if got := b.text("main"); !strings.Contains(got, "200,000.00") || !strings.Contains(got, "该额度发放的优惠券") || !strings.Contains(got, "共 13 条") {
		t.Errorf("the quota's details: %q", got)
	}
	b.checkConsole("quota details")

	// Snippet 2: 已发放代金券, then 详情 of a voucher that has been used.
	b.open("/console/vouchers")
	b.clickAndLoad(`.tabs a[href="/console/vouchers?tab=coupons"]`)
	if got := b.text(".tabs a.active"); got != "已发放代金券" {
		t.Errorf("the active tab is %q", got)
	}
	var used *coupon.Coupon
	for _, cp := range demoCoupons(t, db, coupon.TypeVoucher, coupon.Usable) {
		if cp.Balance < cp.FaceValue {
			used = cp
		}
	}
	b.clickAndLoad(`#list td.ops > a[href="/console/vouchers/coupons/` + used.ID + `"]`)
	if got := b.text("main"); !strings.Contains(got, "使用记录") || !strings.Contains(got, "CS2026") || !strings.Contains(got, used.Code) {
		t.Errorf("the voucher's details: %q", got)
	}
	b.checkConsole("voucher details")

	// Snippet 17: 已发放现金券 > 回收 of one cash coupon, confirmed.
	b.menuTo("销售", "/console/cash-coupons")
	b.clickAndLoad(`.tabs a[href="/console/cash-coupons?tab=coupons"]`)
	cash := demoCoupons(t, db, coupon.TypeCash, coupon.Usable)
	b.clickAndLoad(`#list td.ops > a[href="/console/cash-coupons/reclaim?id=` + cash[0].ID + `"]`)
	if got := b.text("main"); !strings.Contains(got, cash[0].Code) {
		t.Errorf("the confirmation does not name the coupon: %q", got)
	}
	b.checkConsole("reclaim confirmation")
	b.do("reason", chromedp.SendKeys(chromedp.CSS("#f-reason"), "浏览器测试"))
	b.clickAndLoad(`form button[name=confirm]`)
	if got := b.text("table.results tbody"); !strings.Contains(got, "成功") || !strings.Contains(got, "回收金额 500.00 元") {
		t.Errorf("the result of the reclaim: %q", got)
	}
	if got, _ := coupon.Get(context.Background(), db.Reader(), cash[0].PartnerID, cash[0].ID); got.Status != coupon.Reclaimed {
		t.Errorf("the coupon is %d after the reclaim", got.Status)
	}

	// A batch: the remaining two selected, confirmed, each with its result.
	b.clickAndLoad(`.form-actions a.btn-primary`)
	b.do("select", chromedp.Click(chromedp.CSS(`#batch input[value="`+cash[1].ID+`"]`)), chromedp.Click(chromedp.CSS(`#batch input[value="`+cash[2].ID+`"]`)))
	b.clickAndLoad(`#batch .table-actions button`)
	if n := eval[int](b, `document.querySelectorAll("main tbody tr").length`); n != 2 {
		t.Errorf("the batch confirmation lists %d coupons", n)
	}
	b.clickAndLoad(`form button[name=confirm]`)
	if n := eval[int](b, `document.querySelectorAll("table.results .badge-ok").length`); n != 2 {
		t.Errorf("%d of the batch succeeded", n)
	}
	b.checkConsole("batch reclaim")
	if left := len(demoCoupons(t, db, coupon.TypeCash, coupon.Reclaimed)); left != 4 {
		t.Errorf("%d cash coupons reclaimed, want all 4", left)
	}
}
