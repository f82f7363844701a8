package solution_test

import (
	"context"
	"fmt"
	"testing"

	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The list benchmarks run against 10,000 solutions of 1,000 partners (10
// each, spread over every status), each with an assistance thread of up
// to three messages, half of them waiting for the PSA: the partner's page
// of 解决方案构建 and the back office's queue of threads awaiting an
// answer, each the first page of 20 with its total.
const (
	benchPartners  = 1000
	benchSolutions = 10 // per partner
)

func seedSolutions(b *testing.B, db *store.DB) []string {
	b.Helper()
	ctx := context.Background()
	partners := make([]string, benchPartners)
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for p := range benchPartners {
			partners[p] = fmt.Sprintf("p%04d", p)
			if _, err := tx.ExecContext(ctx, `INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at)
				VALUES (?, ?, ?, 'solution', 'certified', ?, ?, 0)`, partners[p], partners[p], partners[p], partners[p], partners[p]); err != nil {
				return err
			}
			for i := range benchSolutions {
				id := fmt.Sprintf("s%04d-%03d", p, i)
				at := int64(p*benchSolutions + i)
				if _, err := tx.ExecContext(ctx, `INSERT INTO solutions (id, partner_id, name, industry, status, created_by, created_at, updated_at)
					VALUES (?, ?, ?, 'finance', ?, 'bench', ?, ?)`, id, partners[p], fmt.Sprintf("方案 %d", i),
					solution.Statuses[i%len(solution.Statuses)], at, at); err != nil {
					return err
				}
				sides := []string{"partner", "psa", "partner"}[:i%4]
				for m, side := range sides {
					if _, err := tx.ExecContext(ctx, `INSERT INTO solution_messages (id, solution_id, side, author, body, created_at)
						VALUES (?, ?, ?, 'bench', 'question', ?)`, fmt.Sprintf("%s-m%d", id, m), id, side, at+int64(m)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return partners
}

func BenchmarkList(b *testing.B) {
	db := storetest.SQLite(b)
	partners := seedSolutions(b, db)
	ctx := context.Background()
	b.Run("partner", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			_, total, err := solution.List(ctx, db.Reader(), solution.Filter{Viewer: solution.Viewer{PartnerID: partners[i%len(partners)]}, Limit: 20})
			if err != nil || total != benchSolutions {
				b.Fatalf("%d (%v)", total, err)
			}
		}
	})
	b.Run("awaiting-psa", func(b *testing.B) {
		for b.Loop() {
			list, _, err := solution.List(ctx, db.Reader(), solution.Filter{AwaitingPSA: true, Limit: 20})
			if err != nil || len(list) != 20 {
				b.Fatalf("%d (%v)", len(list), err)
			}
		}
	})
}
