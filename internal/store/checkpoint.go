package store

import (
	"database/sql"
	"time"
)

// WAL checkpoints on SQLite. In WAL mode a commit appends its pages to the
// WAL; once the WAL passes wal_autocheckpoint pages, that commit also copies
// them back into the database file and syncs it. That commit is the one
// writer's, which every write waits for: under load it spent a tenth of its
// CPU, and more of its time in fsync, checkpointing. So a goroutine of its
// own checkpoints instead, on a connection of its own, often enough that the
// writer's own threshold, raised and kept as a backstop, is seldom reached.

const (
	checkpointEvery = 100 * time.Millisecond
	// writerAutocheckpoint is the writer's own threshold, in pages (4 KiB
	// each): it checkpoints itself only if the background falls far behind.
	writerAutocheckpoint = 10000
)

type checkpointer struct {
	conn *sql.DB
	stop chan struct{}
	done chan struct{}
}

func startCheckpointer(dsn string) (*checkpointer, error) {
	conn, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	c := &checkpointer{conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c, nil
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// PASSIVE copies what it can without waiting for the writer or
			// readers; what it cannot, the next round does. A failure here
			// costs only WAL length, which the writer's backstop bounds.
			_, _ = c.conn.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.conn.Close()
}
