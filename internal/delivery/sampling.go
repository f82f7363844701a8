package delivery

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// The draw, so that anyone can re-run it without this software:
//
//	candidates: the ids of the accepted projects awaiting sampling, ordered by
//	            the time their acceptance was reported, then by id
//	k:          ceil(len(candidates) × rate_bp / 10000)
//	score(id):  sha256(seed + ":" + id), with seed the hex string as shown,
//	            i.e. `printf '%s:%s' SEED ID | sha256sum`
//	draw:       the k candidates of the lowest score (bytes compared), listed
//	            in candidate order
//
// Every candidate's chance is the same and nobody can steer it once the seed
// is random; given the stored seed and candidates the draw is determined.

// Draw picks the sample of candidates for a seed and a rate (basis points).
func Draw(seed string, rateBP int, candidates []string) []string {
	k := DrawSize(len(candidates), rateBP)
	if k == 0 {
		return nil
	}
	type scored struct {
		score [sha256.Size]byte
		index int
	}
	all := make([]scored, len(candidates))
	prefix := []byte(seed + ":")
	buf := make([]byte, 0, len(prefix)+64)
	for i, id := range candidates {
		buf = append(append(buf[:0], prefix...), id...)
		all[i] = scored{sha256.Sum256(buf), i}
	}
	slices.SortFunc(all, func(a, b scored) int {
		if c := bytes.Compare(a.score[:], b.score[:]); c != 0 {
			return c
		}
		return a.index - b.index
	})
	picked := make([]int, k)
	for i := range picked {
		picked[i] = all[i].index
	}
	slices.Sort(picked)
	out := make([]string, k)
	for i, idx := range picked {
		out[i] = candidates[idx]
	}
	return out
}

// DrawSize is how many of n candidates a rate draws: rounded up, so that any
// rate above zero samples at least one project.
func DrawSize(n, rateBP int) int {
	return (n*rateBP + 9999) / 10000
}

// Run is one sampling run, stored with everything needed to re-run it.
type Run struct {
	ID               string
	Code             string
	RateBP           int
	Seed             string
	Candidates       []string
	CandidatesSHA256 string
	Drawn            []string
	RunBy            string // a user id, or RunByJob
	CreatedAt        time.Time
	candidateCount   int
	drawnCount       int
}

// CandidateCount and DrawnCount are the sizes of the sets, also known for a
// run read without its lists.
func (r *Run) CandidateCount() int { return r.candidateCount }
func (r *Run) DrawnCount() int     { return r.drawnCount }

// RunByJob marks runs started by the periodic job.
const RunByJob = "job"

// Settings are the sampling rate and the job's interval.
type Settings struct {
	RateBP       int // basis points: 1000 = 10%
	IntervalDays int
	UpdatedBy    string
	UpdatedAt    time.Time
}

// DefaultSettings apply until the provider saves its own.
var DefaultSettings = Settings{RateBP: 1000, IntervalDays: 30}

// GetSettings returns the stored settings, or the defaults.
func GetSettings(ctx context.Context, q store.Queryer) (Settings, error) {
	s := DefaultSettings
	var at int64
	err := q.QueryRowContext(ctx, `SELECT rate_bp, interval_days, updated_by, updated_at FROM delivery_settings WHERE id = 1`).
		Scan(&s.RateBP, &s.IntervalDays, &s.UpdatedBy, &at)
	if err != nil {
		if errors.Is(store.ScanErr(err), store.ErrNotFound) {
			return DefaultSettings, nil
		}
		return s, err
	}
	s.UpdatedAt = store.Time(at)
	return s, nil
}

func checkRate(rateBP int) error {
	if rateBP < 1 || rateBP > 10000 {
		return apperr.Field("rate", "delivery.rate_range", "the rate must be between 0.01%% and 100%%")
	}
	return nil
}

// SaveSettings stores the sampling rate and the job's interval.
func SaveSettings(ctx context.Context, tx *store.Tx, actor string, s Settings) error {
	if err := checkRate(s.RateBP); err != nil {
		return err
	}
	if s.IntervalDays < 1 || s.IntervalDays > 366 {
		return apperr.Field("interval_days", "delivery.interval_range", "the interval must be between 1 and 366 days")
	}
	before, err := GetSettings(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_settings (id, rate_bp, interval_days, updated_by, updated_at) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET rate_bp = excluded.rate_bp, interval_days = excluded.interval_days,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`, s.RateBP, s.IntervalDays, actor, store.Micros(tx.Now)); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: "delivery.sampling_settings", ObjectType: "delivery_settings", ObjectID: "1",
		Before: map[string]any{"rate_bp": before.RateBP, "interval_days": before.IntervalDays},
		After:  map[string]any{"rate_bp": s.RateBP, "interval_days": s.IntervalDays}})
}

// NewSeed returns a fresh random seed: 16 bytes, hex.
func NewSeed() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness failing is not recoverable
	}
	return hex.EncodeToString(b)
}

var errNoCandidates = apperr.New(apperr.Conflict, "delivery.no_candidates", "no accepted project is waiting to be sampled")

// Sample runs a sampling of every accepted project awaiting it: rateBP 0
// takes the configured rate, seed "" a fresh random one. Drawn projects need
// evidence; the others end their evaluation as not sampled.
func Sample(ctx context.Context, tx *store.Tx, runBy string, rateBP int, seed string) (*Run, error) {
	if rateBP == 0 {
		s, err := GetSettings(ctx, tx)
		if err != nil {
			return nil, err
		}
		rateBP = s.RateBP
	}
	if err := checkRate(rateBP); err != nil {
		return nil, err
	}
	if seed == "" {
		seed = NewSeed()
	}
	candidates, err := awaitingSampling(ctx, tx)
	if err != nil {
		return nil, err
	}
	if len(candidates) == 0 {
		return nil, errNoCandidates
	}
	r := &Run{ID: ids.New(), Code: "SR" + tx.Now.In(time.FixedZone("UTC+8", 8*3600)).Format("060102") + ids.Letters(6),
		RateBP: rateBP, Seed: seed, Candidates: candidates, CandidatesSHA256: listDigest(candidates),
		Drawn: Draw(seed, rateBP, candidates), RunBy: runBy, CreatedAt: tx.Now}
	r.candidateCount, r.drawnCount = len(r.Candidates), len(r.Drawn)
	if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_sampling_runs (id, code, rate_bp, seed, candidate_count, candidates, candidates_sha256,
		drawn_count, drawn, run_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Code, r.RateBP, r.Seed, r.candidateCount, strings.Join(r.Candidates, "\n"), r.CandidatesSHA256,
		r.drawnCount, strings.Join(r.Drawn, "\n"), r.RunBy, store.Micros(tx.Now)); err != nil {
		return nil, err
	}
	if err := applyDraw(ctx, tx, r); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{Action: "delivery.sampling_run", ObjectType: "delivery_sampling_run", ObjectID: r.ID,
		After: map[string]any{"rate_bp": r.RateBP, "seed": r.Seed, "candidates": r.candidateCount, "drawn": r.drawnCount}}); err != nil {
		return nil, err
	}
	return r, nil
}

// samplingLock is the advisory lock key of sampling runs ("DLVSMPL" in ASCII).
const samplingLock int64 = 0x444c5653_4d504c

// awaitingSampling lists the candidates in draw order: by the moment the
// acceptance was reported, then by id.
func awaitingSampling(ctx context.Context, tx *store.Tx) ([]string, error) {
	// Runs take turns: on PostgreSQL a transaction-scoped advisory lock (SQLite
	// has one writer anyway). Locking the 100,000 candidate rows instead
	// would cost a second; the candidates need no row lock, since nothing
	// but a run changes an accepted project before it is sampled.
	if tx.Dialect() == store.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, samplingLock); err != nil {
			return nil, err
		}
	}
	return queryIDs(ctx, tx, `SELECT id FROM delivery_projects WHERE evaluation = ? ORDER BY status_at, id`, AwaitingSampling)
}

// queryIDs runs a query of one text column and returns its values.
func queryIDs(ctx context.Context, q store.Queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// applyDraw moves the drawn candidates to evidence_required and the others
// to not_sampled. PostgreSQL takes the id lists as arrays in one statement
// (chunks of ids cost it seconds at 100,000 candidates). On SQLite the
// transaction holds the only writer since it read the candidates, so the
// projects awaiting sampling are exactly the candidates: one statement moves
// them all, and the drawn follow in chunks that keep each statement's
// parameters under SQLite's limit.
func applyDraw(ctx context.Context, tx *store.Tx, r *Run) error {
	now := store.Micros(tx.Now)
	if tx.Dialect() == store.Postgres {
		drawn := make(map[string]bool, len(r.Drawn))
		for _, id := range r.Drawn {
			drawn[id] = true
		}
		evaluations := make([]string, len(r.Candidates))
		for i, id := range r.Candidates {
			evaluations[i] = NotSampled
			if drawn[id] {
				evaluations[i] = EvidenceRequired
			}
		}
		// Joined with the lists unnested, PostgreSQL hashes them; "id =
		// ANY(array)" would scan the array for every row.
		_, err := tx.ExecContext(ctx, `UPDATE delivery_projects d SET evaluation = x.evaluation, sampling_run_id = ?, updated_at = ?
			FROM unnest(?::text[], ?::text[]) AS x(id, evaluation) WHERE d.id = x.id`,
			r.ID, now, pgArray(r.Candidates), pgArray(evaluations))
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE delivery_projects SET evaluation = ?, sampling_run_id = ?, updated_at = ? WHERE evaluation = ?`,
		NotSampled, r.ID, now, AwaitingSampling)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || int(n) != len(r.Candidates) {
		return fmt.Errorf("delivery: the sampling moved %d projects, not its %d candidates (%v)", n, len(r.Candidates), err)
	}
	return setEvaluation(ctx, tx, r.Drawn, EvidenceRequired, r.ID, now)
}

// pgArray writes ids and state names (no quotes, commas or braces to
// escape) as a PostgreSQL array literal.
func pgArray(list []string) string { return "{" + strings.Join(list, ",") + "}" }

func setEvaluation(ctx context.Context, tx *store.Tx, projectIDs []string, evaluation, runID string, now int64) error {
	const chunk = 500
	for start := 0; start < len(projectIDs); start += chunk {
		part := projectIDs[start:min(start+chunk, len(projectIDs))]
		args := make([]any, 0, len(part)+3)
		args = append(args, evaluation, runID, now)
		for _, id := range part {
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE delivery_projects SET evaluation = ?, sampling_run_id = ?, updated_at = ?
			WHERE id IN (?`+strings.Repeat(",?", len(part)-1)+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

func listDigest(list []string) string {
	sum := sha256.Sum256([]byte(strings.Join(list, "\n")))
	return hex.EncodeToString(sum[:])
}

// Verify re-runs a stored run's draw from its seed, rate and candidates and
// reports any difference from the stored draw (or a candidate list that no
// longer matches its digest).
func Verify(r *Run) error {
	if got := listDigest(r.Candidates); got != r.CandidatesSHA256 {
		return fmt.Errorf("the candidate list does not match its digest (%s, stored %s)", got, r.CandidatesSHA256)
	}
	again := Draw(r.Seed, r.RateBP, r.Candidates)
	if !slices.Equal(again, r.Drawn) {
		return fmt.Errorf("the draw from seed %s gives %d projects, differing from the stored %d", r.Seed, len(again), len(r.Drawn))
	}
	return nil
}

const runColumns = `id, code, rate_bp, seed, candidate_count, candidates_sha256, drawn_count, run_by, created_at`

func scanRun(row interface{ Scan(...any) error }, lists ...*string) (*Run, error) {
	var r Run
	var at int64
	dest := []any{&r.ID, &r.Code, &r.RateBP, &r.Seed, &r.candidateCount, &r.CandidatesSHA256, &r.drawnCount, &r.RunBy, &at}
	for _, l := range lists {
		dest = append(dest, l)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, store.ScanErr(err)
	}
	r.CreatedAt = store.Time(at)
	return &r, nil
}

var errRunNotFound = apperr.NotFoundf("delivery.run_not_found", "the sampling run does not exist")

// GetRun returns a run with its candidate and drawn lists.
func GetRun(ctx context.Context, q store.Queryer, id string) (*Run, error) {
	var candidates, drawn string
	r, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runColumns+`, candidates, drawn FROM delivery_sampling_runs WHERE id = ?`, id), &candidates, &drawn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errRunNotFound
	}
	if err != nil {
		return nil, err
	}
	r.Candidates, r.Drawn = splitLines(candidates), splitLines(drawn)
	return r, nil
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// Runs returns a page of runs, newest first, without their lists.
func Runs(ctx context.Context, q store.Queryer, offset, limit int) ([]*Run, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM delivery_sampling_runs`).Scan(&total); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > MaxPage {
		limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+runColumns+` FROM delivery_sampling_runs ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, limit, max(offset, 0))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// LastRunAt is when the latest run happened; zero when none has.
func LastRunAt(ctx context.Context, q store.Queryer) (time.Time, error) {
	var at int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(created_at), 0) FROM delivery_sampling_runs`).Scan(&at)
	return store.Time(at), err
}

// SampleIfDue runs a sampling at the configured rate when the configured
// interval has passed since the last run (or none ran yet) and projects
// await it; the periodic job calls it. It returns nil when nothing was due.
func SampleIfDue(ctx context.Context, tx *store.Tx) (*Run, error) {
	s, err := GetSettings(ctx, tx)
	if err != nil {
		return nil, err
	}
	last, err := LastRunAt(ctx, tx)
	if err != nil {
		return nil, err
	}
	if !last.IsZero() && tx.Now.Before(last.AddDate(0, 0, s.IntervalDays)) {
		return nil, nil
	}
	r, err := Sample(ctx, tx, RunByJob, s.RateBP, "")
	if errors.Is(err, errNoCandidates) {
		return nil, nil
	}
	return r, err
}
