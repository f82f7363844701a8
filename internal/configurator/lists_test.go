package configurator_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/configurator"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

var utc8 = time.FixedZone("UTC+8", 8*3600)

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, utc8)
	if err != nil {
		panic(err)
	}
	return t
}

func (f *fixture) at(at time.Time, fn func(ctx context.Context, tx *store.Tx) error) error {
	return f.db.InTxAt(context.Background(), at, func(tx *store.Tx) error { return fn(context.Background(), tx) })
}

func (f *fixture) produce(t *testing.T, c *configurator.Configurator, at, date time.Time, values map[string]string) *configurator.List {
	t.Helper()
	var l *configurator.List
	err := f.at(at, func(ctx context.Context, tx *store.Tx) (err error) {
		l, err = configurator.Produce(ctx, tx, f.seller, c.ID, configurator.ListHeader{Name: "一期", Date: date}, values)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestListKeepsItsBillWhenPricesChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		c := f.publish(t)
		now := time.Now()
		// Lists need a published configurator.
		err := f.tx(func(ctx context.Context, tx *store.Tx) error {
			_, err := configurator.Produce(ctx, tx, f.seller, c.ID, configurator.ListHeader{Name: " "}, nil)
			return err
		})
		if fieldOf(err) != "name" {
			t.Errorf("no name: %v", err)
		}
		err = f.tx(func(ctx context.Context, tx *store.Tx) error {
			_, err := configurator.Produce(ctx, tx, f.seller, c.ID, configurator.ListHeader{Name: "x"}, map[string]string{"users": "6000"})
			return err
		})
		if keyOf(err) != "configurator.rule_failed" {
			t.Errorf("values breaking a rule: %v", err)
		}
		err = f.tx(func(ctx context.Context, tx *store.Tx) error {
			_, err := configurator.Produce(ctx, tx, f.seller, c.ID, configurator.ListHeader{Name: "x", Date: now.AddDate(0, 0, 2)}, nil)
			return err
		})
		if fieldOf(err) != "date" {
			t.Errorf("a future date: %v", err)
		}
		first := f.produce(t, c, now, time.Time{}, map[string]string{"users": "1000", "ha": "yes"})
		if first.Bill.Total != 106900_00+889 || first.Values["users"] != "1000" || first.Values["ha"] != "yes" || first.Source != configurator.FromConfigurator {
			t.Fatalf("list: %+v", first)
		}
		// The catalogue's VM price rises: the list keeps its bill, a new
		// list takes the new price.
		err = f.tx(func(ctx context.Context, tx *store.Tx) error {
			f.vm.YearlyPrice = 4000_00
			return catalogue.Save(ctx, tx, f.vm)
		})
		if err != nil {
			t.Fatal(err)
		}
		again, err := configurator.GetList(ctx, db.Reader(), f.p.ID, first.ID)
		if err != nil || again.Bill.Total != first.Bill.Total || again.Bill.Lines[0].UnitPrice != 3000_00 {
			t.Errorf("the stored list changed: %+v, %v", again, err)
		}
		second := f.produce(t, c, now, time.Time{}, map[string]string{"users": "1000", "ha": "yes"})
		if second.Bill.Lines[0].UnitPrice != 4000_00 {
			t.Errorf("a new list: %+v", second.Bill.Lines[0])
		}
		lists, err := configurator.Lists(ctx, db.Reader(), f.p.ID, c.ID)
		if err != nil || len(lists) != 2 {
			t.Errorf("Lists: %d, %v", len(lists), err)
		}
	})
}

func TestImportNamesEveryBadRowAndImportsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		c := f.publish(t)
		// The template as users download it, filled in with bad rows.
		var buf bytes.Buffer
		rows := [][]string{
			{"c7.large.2", "包年", "1", "20"}, // good: 20 VMs for a year, 12.5% off
			{"no.such.spec", "包月", "1", "1"},
			{"evs.ssd.100", "包年", "1", "1"}, // disks are not sold by the year
			{"c7.large.2", "包月", "13", "1"},
			{"c7.large.2", "weekly", "1", "1"},
			{"bw.10m", "按需", "720", "0"},
			{"bw.10m", "pay_per_use", "x", "1"},
		}
		labels := configurator.SheetLabels{Header: []string{"产品规格编码", "计费模式", "周期", "数量"}}
		if err := configurator.WriteTemplate(&buf, labels, rows); err != nil {
			t.Fatal(err)
		}
		sheet, err := configurator.ReadSheet(bytes.NewReader(buf.Bytes()))
		if err != nil || len(sheet) != len(rows) || sheet[0].Row != 2 {
			t.Fatalf("ReadSheet: %+v, %v", sheet, err)
		}
		before := f.counts(t)
		err = f.tx(func(ctx context.Context, tx *store.Tx) error {
			_, err := configurator.Import(ctx, tx, f.seller, c.ID, configurator.ListHeader{Name: "导入"}, sheet)
			return err
		})
		var bad *configurator.ImportError
		if !errors.As(err, &bad) {
			t.Fatalf("import: %v", err)
		}
		want := []struct {
			row        int
			field, key string
		}{
			{3, "spec_code", "configurator.row_spec"},
			{4, "mode", "configurator.mode_not_sold"},
			{5, "period", "configurator.period_range"},
			{6, "mode", "configurator.row_mode"},
			{7, "quantity", "configurator.row_quantity"},
			{8, "period", "configurator.row_period"},
		}
		if len(bad.Rows) != len(want) {
			t.Fatalf("bad rows: %v", bad)
		}
		for i, w := range want {
			if r := bad.Rows[i]; r.Row != w.row || r.Err.Field != w.field || r.Err.Key != w.key {
				t.Errorf("bad row %d: %d %s %s; want %+v", i, r.Row, r.Err.Field, r.Err.Key, w)
			}
		}
		if f.counts(t) != before {
			t.Error("an import with bad rows imported something")
		}
		// The good rows alone import, priced with the tiers.
		var l *configurator.List
		err = f.tx(func(ctx context.Context, tx *store.Tx) (err error) {
			l, err = configurator.Import(ctx, tx, f.seller, c.ID, configurator.ListHeader{Name: "导入"}, sheet[:1])
			return err
		})
		if err != nil || l.Source != configurator.FromImport || len(l.Bill.Lines) != 1 || l.Bill.Total != 60000_00-7500_00 {
			t.Fatalf("good rows: %+v, %v", l, err)
		}
		// A file that is not a sheet.
		if _, err := configurator.ReadSheet(bytes.NewReader([]byte("spec,mode\n"))); !errors.Is(err, configurator.ErrSheetUnreadable) {
			t.Errorf("not a sheet: %v", err)
		}
		// The export reads back with the list's lines.
		buf.Reset()
		if err := configurator.WriteList(&buf, l, labels, func(b configurator.BillLine) string { return b.SpecZh }); err != nil || buf.Len() == 0 {
			t.Errorf("export: %v", err)
		}
	})
}

func TestFifteenDayRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		c := f.publish(t)
		signed := f.opportunity(t, f.p, "签约项目", day("2026-11-01 10:00"))
		unsigned := f.opportunity(t, f.p, "未签约项目", time.Time{})
		foreign := f.opportunity(t, f.other, "他人项目", time.Time{})

		link := func(at time.Time, l *configurator.List, oppID string) error {
			return f.at(at, func(ctx context.Context, tx *store.Tx) error {
				_, err := configurator.Link(ctx, tx, f.seller, l.ID, oppID)
				return err
			})
		}
		submit := func(at time.Time, l *configurator.List) error {
			return f.at(at, func(ctx context.Context, tx *store.Tx) error {
				_, err := configurator.Submit(ctx, tx, f.seller, l.ID)
				return err
			})
		}
		// Dated 10 November, after the signing: linked on the 15th day
		// (25 November, late evening) and submitted then.
		inTime := f.produce(t, c, day("2026-11-10 09:00"), day("2026-11-10 00:30"), nil)
		if got := inTime.Date().Format("2006-01-02"); got != "2026-11-10" {
			t.Errorf("the list's date reads %s", got)
		}
		if err := submit(day("2026-11-12 09:00"), inTime); !errors.Is(err, configurator.ErrNotLinked) {
			t.Errorf("submit before linking: %v", err)
		}
		if err := link(day("2026-11-12 09:00"), inTime, foreign.ID); fieldOf(err) != "opportunity_id" {
			t.Errorf("link another partner's opportunity: %v", err)
		}
		if err := link(day("2026-11-25 23:00"), inTime, signed.ID); err != nil {
			t.Fatalf("link on the 15th day: %v", err)
		}
		if err := submit(day("2026-11-25 23:30"), inTime); err != nil {
			t.Fatalf("submit on the 15th day: %v", err)
		}
		if err := link(day("2026-11-25 23:40"), inTime, unsigned.ID); !errors.Is(err, configurator.ErrSubmitted) {
			t.Errorf("relink a submitted list: %v", err)
		}
		// Linked on the 16th day: refused, nothing changed.
		late := f.produce(t, c, day("2026-11-10 09:00"), day("2026-11-10 09:00"), nil)
		before := f.counts(t)
		if err := link(day("2026-11-26 00:10"), late, signed.ID); keyOf(err) != "configurator.list_past_deadline" || !strings.Contains(err.Error(), "by 2026-11-25") {
			t.Errorf("link on the 16th day: %v", err)
		}
		// Linked in time, submitted on the 16th day: refused.
		if err := link(day("2026-11-20 09:00"), late, signed.ID); err != nil {
			t.Fatal(err)
		}
		before = f.counts(t)
		if err := submit(day("2026-11-26 08:00"), late); keyOf(err) != "configurator.list_past_deadline" {
			t.Errorf("submit on the 16th day: %v", err)
		}
		if f.counts(t) != before {
			t.Error("a refused submission changed something")
		}
		// Dated before the signing, or linked to an unsigned opportunity:
		// no deadline.
		early := f.produce(t, c, day("2026-10-20 09:00"), day("2026-10-20 09:00"), nil)
		if err := link(day("2026-12-05 09:00"), early, signed.ID); err != nil {
			t.Errorf("a list dated before the signing: %v", err)
		}
		if err := submit(day("2026-12-05 09:00"), early); err != nil {
			t.Errorf("submit a list dated before the signing: %v", err)
		}
		loose := f.produce(t, c, day("2026-11-10 09:00"), day("2026-11-10 09:00"), nil)
		if err := link(day("2026-12-05 09:00"), loose, unsigned.ID); err != nil {
			t.Errorf("link to an unsigned opportunity: %v", err)
		}
		got, err := configurator.GetList(context.Background(), db.Reader(), f.p.ID, loose.ID)
		if err != nil || got.OpportunityID != unsigned.ID || got.OpportunityCode != unsigned.Code {
			t.Errorf("linked list: %+v, %v", got, err)
		}
	})
}
