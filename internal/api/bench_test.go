package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"partnercenter/internal/api/signing"
	"partnercenter/internal/app"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
)

// BenchmarkAuthenticate is signature verification as a request gets it,
// including what BenchmarkVerifySignature (package signing) leaves out: the
// access key's lookup, opening its sealed secret and reading its partner,
// on SQLite in a file.
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	sealer, err := auth.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		b.Fatal(err)
	}
	var p *partner.Partner
	var key *auth.AccessKey
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "bench-dist", Type: partner.TotalDistributor, Stage: partner.Certified}); err != nil {
			return err
		}
		key, err = auth.CreateAccessKey(ctx, tx, sealer, p.ID, "bench", "bench")
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	s := newService(&app.App{DB: db, Sealer: sealer, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, DefaultConfig())
	body := []byte(`{"offset":0,"limit":10}` + "\n")
	r, _ := http.NewRequest("POST", "http://bench.test/v2/partners/indirect-partners/query", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Domain-Id", p.DomainID)
	if err := signing.Sign(r, body, key.ID, key.Secret, time.Now()); err != nil {
		b.Fatal(err)
	}
	r.Host = r.URL.Host
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.authenticate(r, body); err != nil {
			b.Fatal(err)
		}
	}
}
