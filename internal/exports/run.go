package exports

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"time"

	"partnercenter/internal/store"
)

const (
	chunkSize = 1 << 20 // bytes per stored chunk
	// maxSheetRows keeps each sheet under Excel's 1,048,576-row limit; longer
	// exports continue on further sheets.
	maxSheetRows  = 1_000_000
	progressEvery = 500 * time.Millisecond
)

// Run produces an export's file. It is what the background job calls; it
// returns an error only when the database fails, recording the export as
// failed when its source does.
func Run(ctx context.Context, db *store.DB, id string) error {
	e, err := scan(db.Reader().QueryRowContext(ctx, `SELECT `+columns+` FROM exports WHERE id = ?`, id))
	if err != nil {
		return err
	}
	if e.Status == Done {
		return nil
	}
	src, ok := sources[e.Kind]
	if !ok {
		return finish(ctx, db, e, 0, 0, fmt.Errorf("unknown export kind %q", e.Kind))
	}
	// A retried job starts over.
	total, err := src.Count(ctx, db.Reader(), e.PartnerID, e.Params)
	if err != nil {
		return finish(ctx, db, e, 0, 0, err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM export_chunks WHERE export_id = ?`, e.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE exports SET status = ?, rows_done = 0, rows_total = ? WHERE id = ?`, Running, total, e.ID)
		return err
	}); err != nil {
		return err
	}
	e.FileName = fileName(src, e)
	cw := &chunkWriter{ctx: ctx, db: db, id: e.ID}
	p := &progress{ctx: ctx, db: db, id: e.ID, last: time.Now()}
	if e.Format == XLSX {
		err = writeXLSX(ctx, db, src, e, cw, p)
	} else {
		err = writeCSV(ctx, db, src, e, cw, p)
	}
	if err == nil {
		err = cw.flush()
	}
	return finish(ctx, db, e, cw.size, p.done, err)
}

func writeCSV(ctx context.Context, db *store.DB, src Source, e *Export, cw *chunkWriter, p *progress) error {
	bw := bufio.NewWriterSize(cw, 64<<10)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	w := csv.NewWriter(bw)
	if err := w.Write(src.Header(e.Locale)); err != nil {
		return err
	}
	err := src.Each(ctx, db.Reader(), e.PartnerID, e.Params, e.Locale, func(row []string) error {
		if err := w.Write(row); err != nil {
			return err
		}
		return p.add()
	})
	if err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func writeXLSX(ctx context.Context, db *store.DB, src Source, e *Export, cw *chunkWriter, p *progress) error {
	x, err := newXLSXWriter(cw, src.Header(e.Locale), src.NumericColumns)
	if err != nil {
		return err
	}
	err = src.Each(ctx, db.Reader(), e.PartnerID, e.Params, e.Locale, func(row []string) error {
		if err := x.Row(row); err != nil {
			return err
		}
		return p.add()
	})
	if err != nil {
		return err
	}
	return x.Close()
}

// chunkWriter stores what is written in chunks of the export's file.
type chunkWriter struct {
	ctx  context.Context
	db   *store.DB
	id   string
	buf  []byte
	seq  int
	size int64
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := chunkSize - len(c.buf)
		take := min(room, len(p))
		c.buf = append(c.buf, p[:take]...)
		p = p[take:]
		if len(c.buf) == chunkSize {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	data := c.buf
	err := c.db.InTx(c.ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(c.ctx, `INSERT INTO export_chunks (export_id, seq, data) VALUES (?, ?, ?)`, c.id, c.seq, data)
		return err
	})
	if err != nil {
		return err
	}
	c.size += int64(len(data))
	c.seq++
	c.buf = make([]byte, 0, chunkSize)
	return nil
}

// progress records rows done, at most every progressEvery.
type progress struct {
	ctx  context.Context
	db   *store.DB
	id   string
	done int64
	last time.Time
}

func (p *progress) add() error {
	p.done++
	if p.done%1000 != 0 || time.Since(p.last) < progressEvery {
		return nil
	}
	p.last = time.Now()
	return p.db.InTx(p.ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(p.ctx, `UPDATE exports SET rows_done = ? WHERE id = ?`, p.done, p.id)
		return err
	})
}

func finish(ctx context.Context, db *store.DB, e *Export, size, rows int64, runErr error) error {
	return db.InTx(ctx, func(tx *store.Tx) error {
		if runErr != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM export_chunks WHERE export_id = ?`, e.ID); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE exports SET status = ?, error = ?, finished_at = ? WHERE id = ?`,
				Failed, truncate(runErr.Error(), 500), store.Micros(tx.Now), e.ID)
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE exports SET status = ?, rows_done = ?, rows_total = ?, file_name = ?, size = ?, finished_at = ?,
			expires_at = ? WHERE id = ?`, Done, rows, rows, e.FileName, size, store.Micros(tx.Now), store.Micros(tx.Now.Add(ExpiresAfter)), e.ID)
		return err
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
