package opportunity_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"

	"partnercenter/internal/exports"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestExportOfAQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.submit(t, f.p, f.fields("alpha", "finance"))
		f.submit(t, f.p, f.fields("beta", "government"))
		f.submit(t, f.other, func() opportunity.Fields {
			o := f.fields("alpha other", "finance")
			o.CustomerID, o.ProspectName = "", "someone"
			return o
		}())
		var e *exports.Export
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			e, err = exports.Create(ctx, tx, f.p.ID, "u1", opportunity.ExportKind, "csv", "zh-CN", opportunity.ExportParams{Query: "alpha"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := exports.Run(ctx, db, e.ID); err != nil {
			t.Fatal(err)
		}
		e, err := exports.Get(ctx, db.Reader(), f.p.ID, "u1", e.ID)
		if err != nil || e.Status != exports.Done {
			t.Fatalf("export %+v %v", e, err)
		}
		var buf bytes.Buffer
		if err := exports.WriteFile(ctx, db.Reader(), e, &buf); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		// The header and the partner's one matching opportunity, not the other partner's.
		if len(rows) != 2 || rows[0][0] != "商机编号" || rows[1][4] != "alpha" || rows[1][6] != "已提交" || rows[1][8] != "500000.00" {
			t.Fatalf("rows %q", rows)
		}
	})
}
