package invoice_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/funds"
	"partnercenter/internal/invoice"
	"partnercenter/internal/ledger"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// validID is the example code of GB 32100-2015.
const validID = "91350100M000100Y43"

type fixture struct {
	db            *store.DB
	fresh, legacy *partner.Partner // created after / before 2020-08-01
	other         *partner.Partner
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db}
	mk := func(at time.Time, name string) *partner.Partner {
		var p *partner.Partner
		if err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
			var err error
			p, err = partner.Create(ctx, tx, partner.NewPartner{Name: name, Type: partner.Reseller, Stage: partner.Certified})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.fresh = mk(time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC), "fresh")
	f.legacy = mk(time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC), "legacy")
	f.other = mk(time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC), "other")
	return f
}

func enterprise(title string, typ string) invoice.InfoFields {
	return invoice.InfoFields{TitleType: invoice.Enterprise, InvoiceType: typ, Title: title, TaxpayerID: validID,
		BankName: "招商银行上海分行", BankAccount: "6225 8801 2345 6789", Address: "上海市浦东新区世纪大道1号", Phone: "021-12345678"}
}

// with is a valid enterprise record changed by change.
func with(typ string, change func(*invoice.InfoFields)) invoice.InfoFields {
	i := enterprise("甲公司", typ)
	change(&i)
	return i
}

func (f *fixture) tx(t *testing.T, fn func(ctx context.Context, tx *store.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	return f.db.InTx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) })
}

func (f *fixture) createInfo(t *testing.T, partnerID string, in invoice.InfoFields) (*invoice.Info, error) {
	var info *invoice.Info
	err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
		var err error
		info, err = invoice.CreateInfo(ctx, tx, partnerID, in)
		return err
	})
	return info, err
}

// snapshot is what a refused change must leave as it was.
type snapshot struct {
	infos  []invoice.Info
	audits int
	inv    invoice.Invoiceable
	reqs   int
}

func (f *fixture) snapshot(t *testing.T, partnerID string) snapshot {
	t.Helper()
	ctx, q := context.Background(), f.db.Reader()
	infos, err := invoice.Infos(ctx, q, partnerID)
	if err != nil {
		t.Fatal(err)
	}
	var s snapshot
	for _, i := range infos {
		s.infos = append(s.infos, *i)
	}
	if _, s.audits, err = audit.List(ctx, q, audit.Filter{PartnerID: partnerID}); err != nil {
		t.Fatal(err)
	}
	inv, err := invoice.InvoiceableOf(ctx, q, partnerID)
	if err != nil {
		t.Fatal(err)
	}
	s.inv = *inv
	if _, s.reqs, err = invoice.List(ctx, q, invoice.Filter{Viewer: invoice.Viewer{PartnerID: partnerID}}); err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) unchanged(t *testing.T, partnerID string, before snapshot) {
	t.Helper()
	after := f.snapshot(t, partnerID)
	if len(after.infos) != len(before.infos) || after.audits != before.audits || after.inv != before.inv || after.reqs != before.reqs {
		t.Fatalf("a refused change changed something: before %+v, after %+v", before, after)
	}
	for i := range after.infos {
		if after.infos[i] != before.infos[i] {
			t.Fatalf("record %d changed: %+v → %+v", i, before.infos[i], after.infos[i])
		}
	}
}

func wantErr(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code || e.Key != key {
		t.Fatalf("error %v, want %s %s", err, code, key)
	}
}

func TestTaxpayerID(t *testing.T) {
	for _, s := range []string{validID, "911100001000128855", "91110000600037341L", invoice.CompleteTaxpayerID("12100000400000000")} {
		if !invoice.ValidTaxpayerID(s) {
			t.Errorf("%s refused", s)
		}
	}
	for _, s := range []string{"", "91350100M000100Y44", "91350100M000100Y4", "91350100M000100Y431", "91350100I000100Y43",
		"310104123456789", "11010119900307123X00", "91350100m000100y43"} {
		if invoice.ValidTaxpayerID(s) {
			t.Errorf("%s accepted", s)
		}
	}
	if got := invoice.NormaliseTaxpayerID(" 91350100m000 100y43 "); got != validID {
		t.Errorf("normalised %q", got)
	}
}

func TestCapitals(t *testing.T) {
	for fen, want := range map[int64]string{
		0:                "零元整",
		5:                "伍分",
		50:               "伍角整",
		100:              "壹元整",
		105:              "壹元零伍分",
		1050:             "壹拾元伍角整",
		123456:           "壹仟贰佰叁拾肆元伍角陆分",
		100100:           "壹仟零壹元整",
		1000000:          "壹万元整",
		10001000:         "壹拾万零壹拾元整",
		10000000100:      "壹亿零壹元整",
		1000000000000:    "壹佰亿元整",
		2030405060708:    "贰佰零叁亿零肆佰零伍万零陆佰零柒元零捌分",
		-250:             "负贰元伍角整",
		1200000000000000: "壹拾贰万亿元整",
	} {
		if got := invoice.Capitals(fen); got != want {
			t.Errorf("Capitals(%d) = %s, want %s", fen, got, want)
		}
	}
}

func TestTax(t *testing.T) {
	for total, want := range map[int64][2]int64{10600: {10000, 600}, 100: {94, 6}, 1: {1, 0}, 123456: {116468, 6988}} {
		if net, tax := invoice.Tax(total); net != want[0] || tax != want[1] {
			t.Errorf("Tax(%d) = %d, %d; want %v", total, net, tax, want)
		}
	}
}

func TestInvoiceInformationRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()

		// Bad input: nothing is created.
		before := f.snapshot(t, f.fresh.ID)
		for _, c := range []struct {
			in         invoice.InfoFields
			field, key string
		}{
			{with(invoice.VATOrdinary, func(i *invoice.InfoFields) { i.TaxpayerID = "91350100M000100Y44" }), "taxpayer_id", "invoice.taxpayer_id_invalid"},
			{with(invoice.VATOrdinary, func(i *invoice.InfoFields) { i.TaxpayerID = "310104123456789" }), "taxpayer_id", "invoice.taxpayer_id_invalid"},
			{with(invoice.VATSpecial, func(i *invoice.InfoFields) { i.TitleType = invoice.Organisation }), "invoice_type", "invoice.organisation_ordinary_only"},
			{with(invoice.VATSpecial, func(i *invoice.InfoFields) { i.BankAccount = "" }), "bank_account", "invoice.bank_account_invalid"},
			{with(invoice.VATSpecial, func(i *invoice.InfoFields) { i.Phone = "call me" }), "phone", "invoice.phone_invalid"},
			{enterprise(" ", invoice.VATOrdinary), "title", "invoice.title_required"},
			{enterprise("甲公司", "paper"), "invoice_type", "invoice.invoice_type_invalid"},
		} {
			_, err := f.createInfo(t, f.fresh.ID, c.in)
			e, ok := apperr.As(err)
			if !ok || e.Field != c.field || e.Key != c.key {
				t.Fatalf("%+v: error %v, want %s on %s", c.in, err, c.key, c.field)
			}
		}
		f.unchanged(t, f.fresh.ID, before)

		// An organisation's ordinary invoice needs no bank details.
		org := invoice.InfoFields{TitleType: invoice.Organisation, InvoiceType: invoice.VATOrdinary, Title: "某市教育局",
			TaxpayerID: invoice.CompleteTaxpayerID("11330100002482106")}
		first, err := f.createInfo(t, f.fresh.ID, org)
		if err != nil {
			t.Fatal(err)
		}
		// A second record after 2020-08-01: refused, nothing changed.
		before = f.snapshot(t, f.fresh.ID)
		_, err = f.createInfo(t, f.fresh.ID, enterprise("乙公司", invoice.VATOrdinary))
		wantErr(t, err, apperr.Conflict, "invoice.info_one_only")
		f.unchanged(t, f.fresh.ID, before)
		pol, err := invoice.PolicyOf(ctx, db.Reader(), f.fresh.ID, time.Now())
		if err != nil || pol.CanAdd || pol.Legacy || pol.Held != 1 {
			t.Fatalf("policy %+v, %v", pol, err)
		}

		// The legacy account: two records made before the rule; it cannot add.
		if err := db.InTxAt(ctx, time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC), func(tx *store.Tx) error {
			if _, err := invoice.CreateInfo(ctx, tx, f.legacy.ID, enterprise("老公司", invoice.VATSpecial)); err != nil {
				return err
			}
			_, err := invoice.CreateInfo(ctx, tx, f.legacy.ID, enterprise("老公司分公司", invoice.VATOrdinary))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		legacy := f.snapshot(t, f.legacy.ID)
		if len(legacy.infos) != 2 {
			t.Fatalf("legacy holds %d records", len(legacy.infos))
		}
		_, err = f.createInfo(t, f.legacy.ID, enterprise("老公司三", invoice.VATOrdinary))
		wantErr(t, err, apperr.Conflict, "invoice.info_legacy_limit")
		f.unchanged(t, f.legacy.ID, legacy)

		// A second VAT special template: refused when editing the ordinary one.
		ordinary := legacy.infos[1]
		_, err = f.update(t, f.legacy.ID, ordinary.ID, enterprise("老公司分公司", invoice.VATSpecial))
		wantErr(t, err, apperr.Invalid, "invoice.one_vat_special")
		f.unchanged(t, f.legacy.ID, legacy)

		// Another partner's record is not found, and stays as it was.
		_, err = f.update(t, f.other.ID, first.ID, enterprise("冒名公司", invoice.VATOrdinary))
		if !errors.Is(err, invoice.ErrInfoNotFound) {
			t.Fatalf("editing another partner's record: %v", err)
		}
		if _, err := invoice.GetInfo(ctx, db.Reader(), f.other.ID, first.ID); !errors.Is(err, invoice.ErrInfoNotFound) {
			t.Fatalf("reading another partner's record: %v", err)
		}

		// An edit is audited and shows in the history with the field changed.
		edited := org
		edited.Title = "某市教育局（新）"
		after, err := f.update(t, f.fresh.ID, first.ID, edited)
		if err != nil || after.Title != "某市教育局（新）" {
			t.Fatalf("edit: %+v, %v", after, err)
		}
		hist, err := invoice.InfoHistory(ctx, db.Reader(), f.fresh.ID, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].Action != "invoice_info.update" || hist[1].Action != "invoice_info.create" {
			t.Fatalf("history %+v", hist)
		}
		if c := hist[0].Changes; len(c) != 1 || c[0] != (invoice.FieldChange{Field: "title", Before: "某市教育局", After: "某市教育局（新）"}) {
			t.Fatalf("changes %+v", c)
		}
		// Saving it unchanged records nothing.
		if _, err := f.update(t, f.fresh.ID, first.ID, edited); err != nil {
			t.Fatal(err)
		}
		if hist, _ := invoice.InfoHistory(ctx, db.Reader(), f.fresh.ID, first.ID); len(hist) != 2 {
			t.Fatalf("an unchanged save was recorded: %+v", hist)
		}
	})
}

func (f *fixture) update(t *testing.T, partnerID, id string, in invoice.InfoFields) (*invoice.Info, error) {
	var info *invoice.Info
	err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
		var err error
		info, err = invoice.UpdateInfo(ctx, tx, partnerID, id, in)
		return err
	})
	return info, err
}

// fund records a recharge of amount fen for a partner.
func (f *fixture) fund(t *testing.T, partnerID string, amount int64) {
	t.Helper()
	if err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
		_, err := funds.Recharge(ctx, tx, partnerID, amount, "bank_transfer", "test", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) submit(t *testing.T, partnerID, infoID string, amount int64) (*invoice.Request, error) {
	var r *invoice.Request
	err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
		var err error
		r, err = invoice.Submit(ctx, tx, partnerID, infoID, amount, "")
		return err
	})
	return r, err
}

func (f *fixture) do(t *testing.T, fn func(ctx context.Context, tx *store.Tx) (*invoice.Request, error)) (*invoice.Request, error) {
	var r *invoice.Request
	err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
		var err error
		r, err = fn(ctx, tx)
		return err
	})
	return r, err
}

// must fails the test on an error and otherwise returns the request.
func must(t *testing.T) func(*invoice.Request, error) *invoice.Request {
	return func(r *invoice.Request, err error) *invoice.Request {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

func TestInvoiceRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx, q := context.Background(), db.Reader()
		info, err := f.createInfo(t, f.fresh.ID, enterprise("甲公司", invoice.VATSpecial))
		if err != nil {
			t.Fatal(err)
		}
		f.fund(t, f.fresh.ID, 100000)
		if err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := funds.RequestWithdrawal(ctx, tx, f.fresh.ID, 10000, "6225880123456789", "fresh")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		inv, err := invoice.InvoiceableOf(ctx, q, f.fresh.ID)
		if err != nil || *inv != (invoice.Invoiceable{Paid: 100000, Withdrawn: 10000, Available: 90000}) {
			t.Fatalf("invoiceable %+v, %v", inv, err)
		}

		// Bad input: nothing changes.
		before := f.snapshot(t, f.fresh.ID)
		for _, c := range []struct {
			info   string
			amount int64
			key    string
		}{{info.ID, 90001, "invoice.amount_above_invoiceable"}, {info.ID, 0, "invoice.amount_positive"},
			{info.ID, -5, "invoice.amount_positive"}, {"", 100, "invoice.info_required"}} {
			_, err := f.submit(t, f.fresh.ID, c.info, c.amount)
			wantErr(t, err, apperr.Invalid, c.key)
		}
		// Another partner's information record cannot be invoiced under.
		otherInfo, err := f.createInfo(t, f.other.ID, enterprise("丙公司", invoice.VATOrdinary))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.submit(t, f.fresh.ID, otherInfo.ID, 100)
		wantErr(t, err, apperr.Invalid, "invoice.info_required")
		f.unchanged(t, f.fresh.ID, before)

		// The whole flow: review, issue, sign, return.
		r := must(t)(f.submit(t, f.fresh.ID, info.ID, 60000))
		if r.Status != invoice.PendingReview || r.Title != "甲公司" || r.InvoiceType != invoice.VATSpecial {
			t.Fatalf("submitted %+v", r)
		}
		if inv, _ := invoice.InvoiceableOf(ctx, q, f.fresh.ID); inv.Available != 30000 || inv.Requested != 60000 {
			t.Fatalf("after the request %+v", inv)
		}
		if _, err := invoice.PDF(r); !errors.Is(err, invoice.ErrNoInvoice) {
			t.Fatalf("PDF before issuing: %v", err)
		}
		// Signing one that is not pending receipt: refused, nothing changed.
		before = f.snapshot(t, f.fresh.ID)
		_, err = f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Sign(ctx, tx, f.fresh.ID, r.ID)
		})
		wantErr(t, err, apperr.Conflict, "invoice.not_pending_receipt")
		_, err = f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Issue(ctx, tx, r.ID, "12345678")
		})
		wantErr(t, err, apperr.Conflict, "invoice.not_issuing")
		f.unchanged(t, f.fresh.ID, before)

		must(t)(f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Approve(ctx, tx, r.ID)
		}))
		before = f.snapshot(t, f.fresh.ID)
		_, err = f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Issue(ctx, tx, r.ID, "12AB")
		})
		wantErr(t, err, apperr.Invalid, "invoice.number_invalid")
		f.unchanged(t, f.fresh.ID, before)
		r = must(t)(f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Issue(ctx, tx, r.ID, "24312000000012345678")
		}))
		if r.Status != invoice.PendingReceipt || r.InvoiceNumber != "24312000000012345678" {
			t.Fatalf("issued %+v", r)
		}
		// Another partner can neither see nor sign it.
		if _, err := invoice.Get(ctx, q, invoice.Viewer{PartnerID: f.other.ID}, r.ID); !errors.Is(err, invoice.ErrRequestNotFound) {
			t.Fatalf("another partner reads it: %v", err)
		}
		_, err = f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Sign(ctx, tx, f.other.ID, r.ID)
		})
		if !errors.Is(err, invoice.ErrRequestNotFound) {
			t.Fatalf("another partner signs it: %v", err)
		}
		if list, total, _ := invoice.List(ctx, q, invoice.Filter{Viewer: invoice.Viewer{PartnerID: f.other.ID}}); total != 0 || len(list) != 0 {
			t.Fatalf("another partner lists %d", total)
		}
		r = must(t)(f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Sign(ctx, tx, f.fresh.ID, r.ID)
		}))
		if r.Status != invoice.Issued || r.SignedAt.IsZero() {
			t.Fatalf("signed %+v", r)
		}
		if _, err := invoice.PDF(r); err != nil {
			t.Fatal(err)
		}
		// A return needs a reason, then frees the amount.
		_, err = f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Return(ctx, tx, f.fresh.ID, r.ID, " ")
		})
		wantErr(t, err, apperr.Invalid, "invoice.reason_required")
		r = must(t)(f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Return(ctx, tx, f.fresh.ID, r.ID, "抬头有误")
		}))
		if r.Status != invoice.Returned || r.Reason != "抬头有误" || r.HasInvoice() {
			t.Fatalf("returned %+v", r)
		}
		if inv, _ := invoice.InvoiceableOf(ctx, q, f.fresh.ID); inv.Available != 90000 {
			t.Fatalf("after the return %+v", inv)
		}
		events, err := invoice.Timeline(ctx, q, r)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action+":"+e.Status)
		}
		if want := "submit:pending_review approve:issuing issue:pending_receipt sign:issued return:returned"; join(actions) != want {
			t.Fatalf("timeline %s, want %s", join(actions), want)
		}
		if events[2].InvoiceNumber != "24312000000012345678" || events[4].Reason != "抬头有误" {
			t.Fatalf("timeline details %+v", events)
		}

		// A rejection needs a reason and frees the amount too.
		r2 := must(t)(f.submit(t, f.fresh.ID, info.ID, 90000))
		_, err = f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Reject(ctx, tx, r2.ID, "")
		})
		wantErr(t, err, apperr.Invalid, "invoice.reason_required")
		r2 = must(t)(f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Reject(ctx, tx, r2.ID, "金额与合同不符")
		}))
		if r2.Status != invoice.Rejected {
			t.Fatalf("rejected %+v", r2)
		}
		_, err = f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Approve(ctx, tx, r2.ID)
		})
		wantErr(t, err, apperr.Conflict, "invoice.not_pending_review")
		if inv, _ := invoice.InvoiceableOf(ctx, q, f.fresh.ID); inv.Available != 90000 {
			t.Fatalf("after the rejection %+v", inv)
		}

		// A number is given to one invoice only.
		r3 := must(t)(f.submit(t, f.fresh.ID, info.ID, 100))
		must(t)(f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Approve(ctx, tx, r3.ID)
		}))
		_, err = f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
			return invoice.Issue(ctx, tx, r3.ID, "24312000000012345678")
		})
		wantErr(t, err, apperr.Invalid, "invoice.number_taken")

		// Lists filter by status and partner.
		list, total, err := invoice.List(ctx, q, invoice.Filter{Status: invoice.Rejected})
		if err != nil || total != 1 || list[0].ID != r2.ID || list[0].PartnerName != f.fresh.DisplayName {
			t.Fatalf("rejected list %d %+v %v", total, list, err)
		}
		if _, total, _ := invoice.List(ctx, q, invoice.Filter{PartnerID: f.fresh.ID}); total != 3 {
			t.Fatalf("partner's list %d", total)
		}

		// A resubmitted form (same token) finds the first request.
		var a, b *invoice.Request
		for _, p := range []**invoice.Request{&a, &b} {
			*p = must(t)(f.do(t, func(ctx context.Context, tx *store.Tx) (*invoice.Request, error) {
				return invoice.Submit(ctx, tx, f.fresh.ID, info.ID, 200, "form-token-1")
			}))
		}
		if a.ID != b.ID {
			t.Fatalf("the same token made two requests")
		}
	})
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// Many requests at once never take more than is invoiceable.
func TestConcurrentRequestsStayWithinInvoiceable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		info, err := f.createInfo(t, f.fresh.ID, enterprise("甲公司", invoice.VATOrdinary))
		if err != nil {
			t.Fatal(err)
		}
		f.fund(t, f.fresh.ID, 100000)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		for range 12 {
			wg.Go(func() {
				_, err := f.submit(t, f.fresh.ID, info.ID, 30000)
				mu.Lock()
				defer mu.Unlock()
				switch e, _ := apperr.As(err); {
				case err == nil:
					ok++
				case e != nil && e.Key == "invoice.amount_above_invoiceable":
					refused++
				default:
					t.Errorf("unexpected error %v", err)
				}
			})
		}
		wg.Wait()
		if ok != 3 || refused != 9 {
			t.Fatalf("%d accepted, %d refused; want 3 and 9", ok, refused)
		}
		inv, err := invoice.InvoiceableOf(context.Background(), db.Reader(), f.fresh.ID)
		if err != nil || inv.Requested != 90000 || inv.Available != 10000 {
			t.Fatalf("invoiceable %+v, %v", inv, err)
		}
		if v, err := ledger.Check(context.Background(), db.Reader()); err != nil || len(v) > 0 {
			t.Fatalf("ledger check: %v %v", v, err)
		}
	})
}
