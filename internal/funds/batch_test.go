package funds_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func keyOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Key
	}
	return fmt.Sprint(err)
}

func TestParseBatchCSV(t *testing.T) {
	file := "\uFEFF客户账号名或ID,金额（元）,备注\n" +
		"cust-a,100.50,\"一月, 预算\"\n" +
		"\n" + // blank lines are skipped but still counted
		" cust-b , 20 ,\n" +
		"cust-c,abc\n"
	lines, err := funds.ParseBatchCSV([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []funds.BatchLine{{Line: 2, Customer: "cust-a", Amount: "100.50", Memo: "一月, 预算"},
		{Line: 4, Customer: "cust-b", Amount: "20"}, {Line: 5, Customer: "cust-c", Amount: "abc"}}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("lines %v, want %v", lines, want)
	}

	// Without a header the first row is data.
	if lines, _ := funds.ParseBatchCSV([]byte("cust-a,1\n")); len(lines) != 1 || lines[0].Line != 1 {
		t.Errorf("no header: %v", lines)
	}
	// A spreadsheet saving CSV in GB18030.
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("客户,金额,备注\ncust-a,1,二月预算\n"))
	if lines, err := funds.ParseBatchCSV(gbk); err != nil || len(lines) != 1 || lines[0].Memo != "二月预算" {
		t.Errorf("GB18030: %v, %v", lines, err)
	}

	var big strings.Builder
	big.WriteString("customer,amount,memo\n")
	for i := range funds.MaxBatchRows {
		fmt.Fprintf(&big, "c%d,1,\n", i)
	}
	if lines, err := funds.ParseBatchCSV([]byte(big.String())); err != nil || len(lines) != funds.MaxBatchRows {
		t.Errorf("%d lines: %d read, %v", funds.MaxBatchRows, len(lines), err)
	}
	big.WriteString("one,1,too many\n")
	if _, err := funds.ParseBatchCSV([]byte(big.String())); keyOf(err) != "funds.batch_too_many_rows" {
		t.Errorf("%d lines: %v", funds.MaxBatchRows+1, err)
	}
	for name, in := range map[string]string{"empty": "", "header only": "客户,金额,备注\n\n"} {
		if _, err := funds.ParseBatchCSV([]byte(in)); keyOf(err) != "funds.batch_empty" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := funds.ParseBatchCSV([]byte("a,1\n\"unterminated,2\n")); keyOf(err) != "funds.batch_csv_invalid" {
		t.Errorf("broken quote: %v", err)
	}
}

func TestReadBatchFileXLSXAndLimits(t *testing.T) {
	x := excelize.NewFile()
	sheet := x.GetSheetName(0)
	for i, row := range [][]any{{"Customer", "Amount (CNY)", "Memo"}, {"cust-a", "12.300000000000001", "noise"}, {}, {"cust-b", "7.05", ""}, {"cust-c", 1.005, ""}} {
		if err := x.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := funds.ReadBatchFile(bytes.NewReader(buf.Bytes()), funds.BatchXLSX)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(f.Lines)
	if want := "[{2 cust-a 12.30 noise} {4 cust-b 7.05 } {5 cust-c 1.005 }]"; got != want {
		t.Errorf("xlsx lines %s, want %s (a float's noise rounded, a real third decimal kept)", got, want)
	}
	if len(f.SHA256) != 64 {
		t.Errorf("sha256 %q", f.SHA256)
	}

	// The template reads back as one example line.
	for _, format := range []string{funds.BatchCSV, funds.BatchXLSX} {
		var tpl bytes.Buffer
		if err := funds.WriteBatchTemplate(&tpl, format, []string{"客户账号名或ID", "金额（元）", "备注"}, []string{"example", "100.00", "示例"}); err != nil {
			t.Fatal(err)
		}
		f, err := funds.ReadBatchFile(&tpl, format)
		if err != nil || len(f.Lines) != 1 || f.Lines[0].Amount != "100.00" {
			t.Errorf("%s template reads back as %+v, %v", format, f, err)
		}
	}

	if _, err := funds.ReadBatchFile(bytes.NewReader(make([]byte, funds.MaxBatchBytes+1)), funds.BatchCSV); keyOf(err) != "funds.batch_file_too_large" {
		t.Errorf("over 5 MB: %v", err)
	}
	if _, err := funds.ReadBatchFile(strings.NewReader("a,1"), "txt"); keyOf(err) != "funds.batch_format" {
		t.Errorf("a .txt file: %v", err)
	}
	if _, err := funds.ReadBatchFile(strings.NewReader("not a zip"), funds.BatchXLSX); keyOf(err) != "funds.batch_xlsx_invalid" {
		t.Errorf("a broken xlsx: %v", err)
	}
}

// FuzzParseBatchCSV feeds the upload parser arbitrary bytes: it never
// panics, never returns more than the limit, and numbers lines as they come.
func FuzzParseBatchCSV(f *testing.F) {
	f.Add([]byte("\uFEFF客户,金额,备注\ncust-a,100.50,memo\n"))
	f.Add([]byte("a,\"b\nc\",d\n\n,,\n"))
	f.Add([]byte{0xff, 0xfe, 0x00, 'a'})
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := funds.ParseBatchCSV(data)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("a refusal that is not a domain error: %v", err)
			}
			return
		}
		if len(lines) == 0 || len(lines) > funds.MaxBatchRows {
			t.Fatalf("%d lines", len(lines))
		}
		prev := 0
		for _, l := range lines {
			if l.Line <= prev {
				t.Fatalf("line numbers not increasing: %v", lines)
			}
			prev = l.Line
			if l.Customer == "" && l.Amount == "" && l.Memo == "" {
				t.Fatalf("a blank line was kept: %+v", l)
			}
		}
	})
}

func TestBatchPreviewApplyAndReplay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Recharge(ctx, tx, f.dist.ID, 1000_00, "bank_transfer", "", "")
		}); err != nil {
			t.Fatal(err)
		}
		create := func(op, csv string) (*funds.Batch, error) {
			file, err := funds.ReadBatchFile(strings.NewReader(csv), funds.BatchCSV)
			if err != nil {
				return nil, err
			}
			var b *funds.Batch
			err = db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				b, err = funds.CreateBatch(ctx, tx, funds.NewBatch{PartnerID: f.dist.ID, UserID: "u1", Operator: "dist", Operation: op,
					FileName: "f.csv", File: file})
				return err
			})
			return b, err
		}
		run := func(b *funds.Batch) *funds.Batch {
			t.Helper()
			if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := funds.ConfirmBatch(ctx, tx, f.dist.ID, b.ID); return err }); err != nil {
				t.Fatal(err)
			}
			if err := funds.RunBatch(ctx, db, b.ID); err != nil {
				t.Fatal(err)
			}
			b, err := funds.GetBatch(ctx, db.Reader(), f.dist.ID, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		balance := func() int64 {
			bal, _, err := funds.CustomerBalance(ctx, db.Reader(), f.resale.ID)
			if err != nil {
				t.Fatal(err)
			}
			return bal
		}

		// Every kind of bad line is marked, and the batch cannot be confirmed.
		bad, err := create(funds.BatchAllocate, "客户,金额,备注\n"+
			"resale-cust,10.00,ok\n"+
			"nobody,1,\n"+
			"referral-cust,1,\n"+
			"other-cust,1,another partner's\n"+
			"resale-cust,1.001,\n"+
			"resale-cust,0,\n"+
			",5,\n"+
			"resale-cust,1,"+strings.Repeat("长", 201)+"\n")
		if err != nil {
			t.Fatal(err)
		}
		rows, _, err := funds.BatchRows(ctx, db.Reader(), bad.ID, funds.RowFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var problems []string
		for _, r := range rows {
			problems = append(problems, r.Problem)
		}
		want := []string{"", "funds.batch_customer_unknown", "funds.referral_customer", "funds.batch_customer_unknown", "funds.amount_precision",
			"funds.amount_positive", "funds.batch_customer_missing", "funds.memo_long"}
		if fmt.Sprint(problems) != fmt.Sprint(want) {
			t.Errorf("problems %q, want %q", problems, want)
		}
		if bad.RowsInvalid != 7 || bad.AmountTotal != 10_00 {
			t.Errorf("invalid %d, total %d", bad.RowsInvalid, bad.AmountTotal)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error { _, err := funds.ConfirmBatch(ctx, tx, f.dist.ID, bad.ID); return err })
		if keyOf(err) != "funds.batch_has_invalid" {
			t.Errorf("confirming a batch with bad lines: %v", err)
		}
		// Another partner cannot see it.
		if _, err := funds.GetBatch(ctx, db.Reader(), f.other.ID, bad.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another partner's batch: %v", err)
		}

		// Apply: the second line asks for more than there is and fails alone.
		const file = "resale-cust,300,one\nresale-cust,5000,too much\nresale-cust,200,three\n"
		b, err := create(funds.BatchAllocate, file)
		if err != nil {
			t.Fatal(err)
		}
		b = run(b)
		if b.Status != funds.BatchDone || b.RowsDone != 3 || b.RowsFailed != 1 || b.Progress() != 100 {
			t.Errorf("after the run: %+v", b)
		}
		if got := balance(); got != 500_00 {
			t.Errorf("customer balance %d, want 500.00", got)
		}
		rows, _, _ = funds.BatchRows(ctx, db.Reader(), b.ID, funds.RowFilter{Problems: true})
		if len(rows) != 1 || rows[0].Line != 2 || rows[0].Problem != "ledger.insufficient" {
			t.Errorf("problem rows %+v", rows)
		}

		// Money arrives; the same file again pays only the line that failed.
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Recharge(ctx, tx, f.dist.ID, 5000_00, "bank_transfer", "", "")
		}); err != nil {
			t.Fatal(err)
		}
		again, err := create(funds.BatchAllocate, file)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := funds.AppliedBefore(ctx, db.Reader(), again); err != nil || n != 1 {
			t.Errorf("applied before: %d, %v", n, err)
		}
		again = run(again)
		if got := balance(); got != 5500_00 {
			t.Errorf("after the re-upload the balance is %d, want 5500.00 (lines 1 and 3 not paid twice)", got)
		}
		rows, _, _ = funds.BatchRows(ctx, db.Reader(), again.ID, funds.RowFilter{})
		if !rows[0].Replayed || rows[1].Replayed || !rows[2].Replayed || again.RowsFailed != 0 {
			t.Errorf("replayed flags %v %v %v, failed %d", rows[0].Replayed, rows[1].Replayed, rows[2].Replayed, again.RowsFailed)
		}
		// Running a finished batch again does nothing.
		if err := funds.RunBatch(ctx, db, again.ID); err != nil || balance() != 5500_00 {
			t.Errorf("second run: %v, balance %d", err, balance())
		}

		// 回收 beyond what the customer holds is refused at the preview,
		// counting the file's earlier lines.
		rb, err := create(funds.BatchReclaim, "resale-cust,5000,\nresale-cust,600,\n")
		if err != nil {
			t.Fatal(err)
		}
		rows, _, _ = funds.BatchRows(ctx, db.Reader(), rb.ID, funds.RowFilter{})
		if rows[0].Problem != "" || rows[1].Problem != "funds.batch_reclaim_exceeds" || rows[1].ProblemArg != "500.00" {
			t.Errorf("reclaim preview %+v", rows)
		}
		// A preview can be discarded once.
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := funds.CancelBatch(ctx, tx, f.dist.ID, rb.ID); return err }); err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error { _, err := funds.CancelBatch(ctx, tx, f.dist.ID, rb.ID); return err })
		if keyOf(err) != "funds.batch_not_preview" {
			t.Errorf("discarding twice: %v", err)
		}
		if _, err := create("transfer", file); keyOf(err) != "funds.batch_operation_invalid" {
			t.Errorf("unknown operation: %v", err)
		}
	})
}

func TestClaimSubmission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		claim := func() bool {
			var first bool
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				first, err = funds.ClaimSubmission(ctx, tx, "token-123456789012", "u1")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return first
		}
		if !claim() || claim() {
			t.Error("a token is claimed the first time only")
		}
		// A rolled-back change leaves the token free.
		errBoom := errors.New("boom")
		_ = db.InTx(ctx, func(tx *store.Tx) error {
			_, _ = funds.ClaimSubmission(ctx, tx, "token-rolled-back-01", "u1")
			return errBoom
		})
		_ = db.InTx(ctx, func(tx *store.Tx) error {
			if first, err := funds.ClaimSubmission(ctx, tx, "token-rolled-back-01", "u1"); err != nil || !first {
				t.Errorf("after a rollback: %v, %v", first, err)
			}
			return nil
		})
	})
}

// BenchmarkBatch measures the two halves of a batch on SQLite: checking a
// file of 10,000 lines into a preview (one op), and applying lines (one op
// a line, each in its own transaction as the job does).
func BenchmarkBatch(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	var p *partner.Partner
	err = db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if p, err = partner.Create(ctx, tx, partner.NewPartner{Name: storetest.Name("bench-"), Type: partner.Reseller, Stage: partner.Certified}); err != nil {
			return err
		}
		for i := range 100 {
			if _, err := customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: fmt.Sprintf("%s-c%03d", p.Name, i)}, false); err != nil {
				return err
			}
		}
		_, err = funds.Recharge(ctx, tx, p.ID, 1_000_000_000_00, "bank_transfer", "", "")
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	file := func(n, salt int) *funds.BatchFile {
		var sb strings.Builder
		for i := range n {
			fmt.Fprintf(&sb, "%s-c%03d,%d.%02d,run %d line %d\n", p.Name, i%100, 1+i%50, i%100, salt, i)
		}
		f, err := funds.ReadBatchFile(strings.NewReader(sb.String()), funds.BatchCSV)
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	create := func(f *funds.BatchFile, op string) *funds.Batch {
		var batch *funds.Batch
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			batch, err = funds.CreateBatch(ctx, tx, funds.NewBatch{PartnerID: p.ID, UserID: "u", Operator: "bench", Operation: op, FileName: "b.csv", File: f})
			return err
		}); err != nil {
			b.Fatal(err)
		}
		return batch
	}
	b.Run("preview-10000", func(b *testing.B) {
		f := file(funds.MaxBatchRows, 0)
		for b.Loop() {
			create(f, funds.BatchReclaim)
		}
	})
	b.Run("apply-per-line", func(b *testing.B) {
		batch := create(file(b.N, b.N), funds.BatchAllocate)
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := funds.ConfirmBatch(ctx, tx, p.ID, batch.ID); return err }); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		if err := funds.RunBatch(ctx, db, batch.ID); err != nil {
			b.Fatal(err)
		}
	})
}
