package funds_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"partnercenter/internal/exports"
	"partnercenter/internal/funds"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestStatementExportsAsCSVAndExcel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		for i := 0; i < 30; i++ {
			if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.Recharge(ctx, tx, f.dist.ID, int64(i+1)*100, "bank_transfer", "", "")
			}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 12_34, "", "dist", "")
		}); err != nil {
			t.Fatal(err)
		}
		run := func(format, kind string, params any) (*exports.Export, []byte) {
			var e *exports.Export
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				e, err = exports.Create(ctx, tx, f.dist.ID, "u1", kind, format, "zh-CN", params)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := exports.Run(ctx, db, e.ID); err != nil {
				t.Fatal(err)
			}
			e, err := exports.Get(ctx, db.Reader(), f.dist.ID, "u1", e.ID)
			if err != nil || e.Status != exports.Done {
				t.Fatalf("export: %+v %v", e, err)
			}
			var buf bytes.Buffer
			if err := exports.WriteFile(ctx, db.Reader(), e, &buf); err != nil {
				t.Fatal(err)
			}
			if int64(buf.Len()) != e.Size {
				t.Fatalf("file of %d bytes, size says %d", buf.Len(), e.Size)
			}
			return e, buf.Bytes()
		}
		today := time.Now()
		e, data := run(exports.CSV, funds.ExportStatement, funds.StatementExport{BalanceType: funds.BalanceTypeDebit, From: today.AddDate(0, 0, -1), To: today})
		if !bytes.HasPrefix(data, []byte("\uFEFF")) || !strings.HasSuffix(e.FileName, ".csv") || !strings.HasPrefix(e.FileName, "收支明细") {
			t.Fatalf("csv file %q starts %q", e.FileName, data[:10])
		}
		rows, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 32 || rows[0][0] != "交易ID" || rows[31][2] != "BEADJUST" || rows[31][4] != "支出" || rows[31][5] != "12.34" || rows[31][6] != "452.66" {
			t.Fatalf("csv rows: %d, header %v, last %v", len(rows), rows[0], rows[len(rows)-1])
		}
		if e.RowsTotal != 31 || e.Progress() != 100 {
			t.Fatalf("progress %d of %d", e.RowsDone, e.RowsTotal)
		}

		e, data = run(exports.XLSX, funds.ExportAdjustments, funds.AdjustmentsExport{})
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		sheet, err := x.GetRows("Sheet1")
		if err != nil || len(sheet) != 2 || sheet[0][0] != "事务ID" || sheet[1][5] != "12.34" || sheet[1][2] != funds.OpAllocate {
			t.Fatalf("xlsx rows %v %v", sheet, err)
		}
		// Another user sees nothing of this export; expired exports go away.
		if _, err := exports.Get(ctx, db.Reader(), f.dist.ID, "u2", e.ID); err == nil {
			t.Fatal("another user read the export")
		}
		if _, err := exports.Get(ctx, db.Reader(), f.other.ID, "u1", e.ID); err == nil {
			t.Fatal("another partner read the export")
		}
		var removed int64
		if err := db.InTxAt(ctx, time.Now().Add(exports.ExpiresAfter+time.Hour), func(tx *store.Tx) error {
			removed, err = exports.DeleteExpired(ctx, tx)
			return err
		}); err != nil || removed != 2 {
			t.Fatalf("expired exports removed: %d %v", removed, err)
		}
		var chunks int
		_ = db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM export_chunks`).Scan(&chunks)
		if chunks != 0 {
			t.Fatalf("%d chunks left after expiry", chunks)
		}
	})
}
