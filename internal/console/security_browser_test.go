package console_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// In a real browser, names holding markup show as text: no dialog opens, no
// element of theirs is made, and the console stays free of errors.
func TestBrowserShowsMarkupAsText(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := context.Background()
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		for _, q := range []string{`UPDATE customers SET real_name = ? || real_name`, `UPDATE users SET display_name = ? || display_name`,
			`UPDATE partners SET display_name = ? || display_name`} {
			if _, err := tx.ExecContext(ctx, q, xssBoth); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e)
	var mu sync.Mutex
	var dialogs []string
	opened := chromedp.Events(b.ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range opened {
			if err != nil {
				return
			}
			mu.Lock()
			dialogs = append(dialogs, ev.Message)
			mu.Unlock()
			// Close it, or the page would wait for a person.
			_, _ = chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	seen := func() []string {
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), dialogs...)
	}

	// The listener hears a dialog when one opens.
	eval[any](b, `setTimeout(() => alert('probe'), 0), null`)
	if got := seen(); len(got) != 1 || got[0] != "probe" {
		t.Fatalf("the dialog listener heard %q; want the probe", got)
	}
	mu.Lock()
	dialogs = nil
	mu.Unlock()

	b.signIn("distributor", demo.Password)
	for _, path := range []string{"/console/customers", "/console/org", "/console/home"} {
		b.open(path)
		if got := seen(); len(got) > 0 {
			t.Errorf("%s: a dialog opened: %q", path, got)
		}
		if n := eval[int](b, `document.querySelectorAll('img[src="x"], img[onerror]').length`); n > 0 {
			t.Errorf("%s: the markup made %d images", path, n)
		}
		if !eval[bool](b, `document.body.innerText.includes('<script>alert(1)</script>')`) {
			t.Errorf("%s: the name is not shown as text", path)
		}
		b.checkConsole(path)
	}
}
