package store

import (
	"regexp"
	"strings"
	"sync"
)

// Write watches: a node that keeps copies of rows (the API's access keys)
// hears of other nodes' changes through notifications (listen.go), which
// arrive a moment after the change commits. Its own changes must not wait
// for that: a key disabled through this node's console is refused by this
// node's API at once. WatchWrites registers a function that runs after
// every commit of a transaction of this process that wrote one of the
// tables, in the same goroutine, before the transaction's caller goes on.

// writeWatch is one registered watch.
type writeWatch struct {
	writes *regexp.Regexp // a statement that writes one of the tables
	fn     func()
}

type writeWatches struct {
	mu      sync.RWMutex
	watches []*writeWatch
}

// WatchWrites calls fn after each commit of a transaction of this DB that
// wrote (INSERT INTO, UPDATE, DELETE FROM) one of tables.
func (db *DB) WatchWrites(tables []string, fn func()) {
	quoted := make([]string, len(tables))
	for i, t := range tables {
		quoted[i] = regexp.QuoteMeta(t)
	}
	w := &writeWatch{writes: regexp.MustCompile(`(?i)\b(insert\s+into|update|delete\s+from)\s+(` + strings.Join(quoted, "|") + `)\b`), fn: fn}
	db.watches.mu.Lock()
	db.watches.watches = append(db.watches.watches, w)
	db.watches.mu.Unlock()
}

// noteWrite registers, for after the commit, the watches whose tables the
// statement q writes.
func (t *Tx) noteWrite(q string) {
	if t.watches == nil || isSelect(q) {
		return
	}
	t.watches.mu.RLock()
	defer t.watches.mu.RUnlock()
	for _, w := range t.watches.watches {
		if t.watched[w] || !w.writes.MatchString(q) {
			continue
		}
		if t.watched == nil {
			t.watched = map[*writeWatch]bool{}
		}
		t.watched[w] = true
		t.AfterCommit(w.fn)
	}
}

// isSelect reports whether q begins with SELECT, which writes no table: the
// reads, most statements by far, skip the watches' patterns.
func isSelect(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n")
	return len(q) >= 6 && strings.EqualFold(q[:6], "select")
}
