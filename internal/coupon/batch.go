package coupon

import (
	"context"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Batch 发放: one coupon of one face value to each of up to MaxBatchCustomers
// customers, more than one Issue call takes. The batch and its rows are
// written with the request; a background job (RunBatch) then issues them
// MaxCustomersPerIssue at a time, each chunk in a transaction of its own
// that also records the chunk's outcomes and the progress. A row leaves
// pending only in the transaction that issued it, so a retried job carries
// on with the rows still pending and issues nothing twice.

// MaxBatchCustomers bounds one batch.
const MaxBatchCustomers = 10_000

// Batch statuses.
const (
	BatchQueued  = "queued"
	BatchRunning = "running"
	BatchDone    = "done"
)

// Batch row statuses.
const (
	BatchRowPending = "pending"
	BatchRowOK      = "ok"
	BatchRowFailed  = "failed"
)

var errBatchNotFound = apperr.NotFoundf("coupon.batch_not_found", "batch not found")

// NewBatch is a batch 发放 to create; its fields mean what IssueRequest's do.
type NewBatch struct {
	PartnerID    string
	QuotaID      string
	CustomerIDs  []string
	FaceValue    int64
	EffectiveAt  time.Time
	ExpiresAt    time.Time
	ServiceTypes []string
	ProductIDs   []string
	Memo         string
	Operator     string
}

// Batch is a batch 发放 and its progress.
type Batch struct {
	ID          string
	PartnerID   string
	QuotaID     string
	FaceValue   int64
	EffectiveAt time.Time
	ExpiresAt   time.Time
	// The scope asked for, empty for the quota's; Issue checks it again
	// for each chunk.
	ServiceTypes []string
	ProductIDs   []string
	Memo         string
	Operator     string
	Status       string
	RowsTotal    int
	RowsDone     int
	RowsFailed   int
	CreatedAt    time.Time
	FinishedAt   time.Time
}

// RowsOK counts the customers who got a coupon.
func (b *Batch) RowsOK() int { return b.RowsDone - b.RowsFailed }

// Active reports whether the job has yet to finish the batch.
func (b *Batch) Active() bool { return b.Status == BatchQueued || b.Status == BatchRunning }

// Progress is the share of rows with an outcome, 0 to 100.
func (b *Batch) Progress() int {
	if b.Status == BatchDone {
		return 100
	}
	if b.RowsTotal == 0 {
		return 0
	}
	return min(99, b.RowsDone*100/b.RowsTotal)
}

// BatchRow is one customer of a batch and its outcome.
type BatchRow struct {
	Seq        int
	CustomerID string
	Status     string
	CouponID   string
	Problem    string // message key of a failed row
}

// CreateBatch checks the request as a whole and writes the batch with a
// pending row per customer; the caller enqueues RunBatch in the same
// transaction. What depends on each customer or on the quota's balance at
// issue time is each row's outcome.
func CreateBatch(ctx context.Context, tx *store.Tx, n NewBatch) (*Batch, error) {
	if len(n.CustomerIDs) == 0 || len(n.CustomerIDs) > MaxBatchCustomers {
		return nil, apperr.Field("customer_ids", "coupon.batch_customers_count", "choose 1 to %d customers", MaxBatchCustomers)
	}
	if n.FaceValue <= 0 {
		return nil, apperr.Field("face_value", "coupon.amount_positive", "the amount must be greater than zero")
	}
	if len([]rune(n.Memo)) > 200 {
		return nil, apperr.Field("memo", "coupon.memo_long", "the memo must be at most 200 characters")
	}
	quota, err := GetQuota(ctx, tx, n.PartnerID, n.QuotaID)
	if err != nil {
		return nil, err
	}
	if err := quota.Usable(tx.Now); err != nil {
		return nil, err
	}
	if quota.MaxFaceValue > 0 && n.FaceValue > quota.MaxFaceValue {
		return nil, apperr.Field("face_value", "coupon.face_value_above_limit", "the face value is above the quota's limit per coupon")
	}
	// Checked now, so the form shows it next to the field rather than every
	// row failing with it later.
	if _, _, err := quota.validity(n.EffectiveAt, n.ExpiresAt, tx.Now); err != nil {
		return nil, err
	}
	services, err := cleanList("cloud_service_types", n.ServiceTypes)
	if err != nil {
		return nil, err
	}
	products, err := cleanList("product_ids", n.ProductIDs)
	if err != nil {
		return nil, err
	}
	if _, err := scopeWithin("cloud_service_types", services, quota.ServiceTypes); err != nil {
		return nil, err
	}
	if _, err := scopeWithin("product_ids", products, quota.ProductIDs); err != nil {
		return nil, err
	}
	b := &Batch{ID: ids.New(), PartnerID: n.PartnerID, QuotaID: quota.ID, FaceValue: n.FaceValue, EffectiveAt: n.EffectiveAt,
		ExpiresAt: n.ExpiresAt, ServiceTypes: services, ProductIDs: products, Memo: strings.TrimSpace(n.Memo), Operator: n.Operator, Status: BatchQueued,
		RowsTotal: len(n.CustomerIDs), CreatedAt: tx.Now}
	if _, err := tx.ExecContext(ctx, `INSERT INTO coupon_batches (id, partner_id, quota_id, face_value, effective_at, expires_at,
		service_types, product_ids, memo, operator, status, rows_total, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.PartnerID, b.QuotaID, b.FaceValue, zeroMicros(b.EffectiveAt), zeroMicros(b.ExpiresAt),
		strings.Join(b.ServiceTypes, ","), strings.Join(b.ProductIDs, ","), b.Memo, b.Operator, b.Status, b.RowsTotal, store.Micros(b.CreatedAt)); err != nil {
		return nil, err
	}
	// Many rows to a statement: ten thousand single inserts would hold the
	// transaction open for seconds.
	const per = 300
	for start := 0; start < len(n.CustomerIDs); start += per {
		part := n.CustomerIDs[start:min(start+per, len(n.CustomerIDs))]
		args := make([]any, 0, len(part)*4)
		for i, id := range part {
			args = append(args, b.ID, start+i+1, id, BatchRowPending)
		}
		values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(part)), ", ")
		if _, err := tx.ExecContext(ctx, `INSERT INTO coupon_batch_rows (batch_id, seq, customer_id, status) VALUES `+values, args...); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// zeroMicros keeps a zero time (the quota's validity) as 0.
func zeroMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return store.Micros(t)
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return store.Time(us)
}

const batchColumns = `id, partner_id, quota_id, face_value, effective_at, expires_at, service_types, product_ids, memo, operator, status, rows_total, rows_done,
	rows_failed, created_at, COALESCE(finished_at, 0)`

func scanBatch(row interface{ Scan(...any) error }) (*Batch, error) {
	var b Batch
	var eff, exp, created, finished int64
	var services, products string
	if err := row.Scan(&b.ID, &b.PartnerID, &b.QuotaID, &b.FaceValue, &eff, &exp, &services, &products, &b.Memo, &b.Operator, &b.Status, &b.RowsTotal,
		&b.RowsDone, &b.RowsFailed, &created, &finished); err != nil {
		return nil, store.ScanErr(err)
	}
	b.ServiceTypes, b.ProductIDs = splitList(services), splitList(products)
	b.EffectiveAt, b.ExpiresAt, b.CreatedAt, b.FinishedAt = fromMicros(eff), fromMicros(exp), store.Time(created), fromMicros(finished)
	return &b, nil
}

// GetBatch returns one of a partner's batches; another partner's answers
// not found.
func GetBatch(ctx context.Context, q store.Queryer, partnerID, id string) (*Batch, error) {
	b, err := scanBatch(q.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM coupon_batches WHERE id = ? AND partner_id = ?`, id, partnerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errBatchNotFound
	}
	return b, err
}

// BatchRows returns a page of a batch's rows in order, with the total.
func BatchRows(ctx context.Context, q store.Queryer, batchID string, offset, limit int) ([]BatchRow, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM coupon_batch_rows WHERE batch_id = ?`, batchID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT seq, customer_id, status, coupon_id, problem FROM coupon_batch_rows WHERE batch_id = ?
		ORDER BY seq LIMIT ? OFFSET ?`, batchID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []BatchRow
	for rows.Next() {
		var r BatchRow
		if err := rows.Scan(&r.Seq, &r.CustomerID, &r.Status, &r.CouponID, &r.Problem); err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// errChunkTaken rolls back a chunk another run recorded first.
var errChunkTaken = errors.New("coupon: batch rows recorded by another run")

// RunBatch issues a batch's pending rows, MaxCustomersPerIssue at a time.
// It is what the background job calls; run again (a retried job), it
// continues with the rows still pending. A refusal, of one customer or of
// a whole chunk (the quota frozen or expired meanwhile), is the rows'
// outcome; RunBatch returns an error only when the database fails.
func RunBatch(ctx context.Context, db *store.DB, id string) error {
	b, err := scanBatch(db.Reader().QueryRowContext(ctx, `SELECT `+batchColumns+` FROM coupon_batches WHERE id = ?`, id))
	if err != nil {
		return err
	}
	if !b.Active() {
		return nil
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE coupon_batches SET status = ? WHERE id = ? AND status = ?`, BatchRunning, b.ID, BatchQueued)
		return err
	}); err != nil {
		return err
	}
	for {
		page, err := pendingBatchRows(ctx, db.Reader(), b.ID)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		err = db.InTx(ctx, func(tx *store.Tx) error { return issueChunk(ctx, tx, b, page) })
		if errors.Is(err, errChunkTaken) {
			continue // read the rows still pending again
		}
		if e, refused := apperr.As(err); refused && e.Code != apperr.Internal {
			// The request itself was refused: every row of the chunk fails
			// with its reason, and the next chunk is tried as well, since
			// the reason may concern only this moment.
			err = db.InTx(ctx, func(tx *store.Tx) error {
				for _, r := range page {
					if err := recordBatchRow(ctx, tx, b.ID, BatchRow{Seq: r.Seq, Status: BatchRowFailed, Problem: e.Key}); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err != nil && !errors.Is(err, errChunkTaken) {
			return err
		}
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE coupon_batches SET status = ?, finished_at = ? WHERE id = ? AND status <> ?`,
			BatchDone, store.Micros(tx.Now), b.ID, BatchDone)
		return err
	})
}

func pendingBatchRows(ctx context.Context, q store.Queryer, batchID string) ([]BatchRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, customer_id FROM coupon_batch_rows WHERE batch_id = ? AND status = ? ORDER BY seq LIMIT ?`,
		batchID, BatchRowPending, MaxCustomersPerIssue)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BatchRow
	for rows.Next() {
		var r BatchRow
		if err := rows.Scan(&r.Seq, &r.CustomerID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// issueChunk issues one chunk and records each row's outcome in tx.
func issueChunk(ctx context.Context, tx *store.Tx, b *Batch, page []BatchRow) error {
	customers := make([]string, len(page))
	for i, r := range page {
		customers[i] = r.CustomerID
	}
	results, err := Issue(ctx, tx, IssueRequest{PartnerID: b.PartnerID, QuotaID: b.QuotaID, CustomerIDs: customers, FaceValue: b.FaceValue,
		EffectiveAt: b.EffectiveAt, ExpiresAt: b.ExpiresAt, ServiceTypes: b.ServiceTypes, ProductIDs: b.ProductIDs, Memo: b.Memo,
		Operator: b.Operator})
	if err != nil {
		return err
	}
	for i, res := range results {
		row := BatchRow{Seq: page[i].Seq, Status: BatchRowOK, CouponID: res.CouponID}
		if e, ok := apperr.As(res.Err); ok {
			row.Status, row.Problem = BatchRowFailed, e.Key
		}
		if err := recordBatchRow(ctx, tx, b.ID, row); err != nil {
			return err
		}
	}
	return nil
}

// recordBatchRow records a pending row's outcome and counts it. A row no
// longer pending was recorded by another run: errChunkTaken undoes the
// coupons this transaction issued, so none is issued twice.
func recordBatchRow(ctx context.Context, tx *store.Tx, batchID string, r BatchRow) error {
	res, err := tx.ExecContext(ctx, `UPDATE coupon_batch_rows SET status = ?, coupon_id = ?, problem = ? WHERE batch_id = ? AND seq = ? AND status = ?`,
		r.Status, r.CouponID, r.Problem, batchID, r.Seq, BatchRowPending)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return errChunkTaken
	}
	failed := 0
	if r.Status == BatchRowFailed {
		failed = 1
	}
	_, err = tx.ExecContext(ctx, `UPDATE coupon_batches SET rows_done = rows_done + 1, rows_failed = rows_failed + ? WHERE id = ?`, failed, batchID)
	return err
}
