package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"partnercenter/internal/auth"
	"partnercenter/internal/console"
	"partnercenter/internal/demo"
	"partnercenter/internal/store/storetest"
)

// EnvRequireBrowser makes a missing Chromium a failure instead of a skip; CI
// sets it.
const EnvRequireBrowser = "PARTNERCENTER_REQUIRE_BROWSER"

// browser is one headless Chromium tab on the test server, with the
// console messages the pages wrote.
type browser struct {
	t    *testing.T
	e    *env
	ctx  context.Context
	mu   sync.Mutex
	msgs []string
}

func newBrowser(t *testing.T, e *env) *browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv(EnvRequireBrowser) == "1" {
			t.Fatalf("chromium is not installed (apt-get install -y chromium) and %s=1", EnvRequireBrowser)
		}
		t.Skip("chromium is not installed; the browser tests need it")
	}
	profile, err := os.MkdirTemp("", "partnercenter-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1366, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 4*time.Minute)
	b := &browser{t: t, e: e, ctx: ctx}
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	})
	// Subscribe before the first page, so that no message is missed.
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// The browser logs a document answering 4xx as a network error;
			// the test checks the status of every page and link itself, and
			// some pages answer 4xx on purpose (a wrong password, 403). A
			// failing asset is still an error.
			if m.Source == "network" && !strings.Contains(m.URL, "/console/assets/") {
				continue
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				b.mu.Lock()
				b.msgs = append(b.msgs, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs actions and fails the test on an error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// checkConsole fails on any JavaScript error or exception since the last
// check. Messages arrive asynchronously, so it waits a moment first.
func (b *browser) checkConsole(where string) {
	b.t.Helper()
	time.Sleep(150 * time.Millisecond)
	b.mu.Lock()
	msgs := b.msgs
	b.msgs = nil
	b.mu.Unlock()
	for _, m := range msgs {
		b.t.Errorf("%s: browser console: %s", where, m)
	}
}

// open loads a page and checks that it answered below 400.
func (b *browser) open(path string) {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.e.srv.URL+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	if resp.Status >= 400 {
		b.t.Errorf("open %s: status %d", path, resp.Status)
	}
	b.screenshot(path)
}

// screenshot saves the page when PARTNERCENTER_SCREENSHOTS names a folder,
// for a person to look at.
func (b *browser) screenshot(name string) {
	dir := os.Getenv("PARTNERCENTER_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err == nil {
		name = strings.Trim(strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(name), "_")
		_ = os.WriteFile(filepath.Join(dir, b.t.Name()[strings.LastIndex(b.t.Name(), "/")+1:]+"-"+name+".png"), png, 0o644)
	}
}

// deadLinks fetches every link of the page (same site) and returns those
// answering 4xx or 5xx.
func (b *browser) deadLinks() []string {
	b.t.Helper()
	return eval[[]string](b, `(async () => {
		const links = [...new Set([...document.querySelectorAll('a[href]')].map(a => a.href.split('#')[0]))]
			.filter(h => h.startsWith(location.origin));
		const dead = [];
		for (const h of links) {
			const r = await fetch(h, {redirect: 'follow', credentials: 'same-origin'});
			if (r.status >= 400) dead.push(h + ' → ' + r.status);
		}
		return dead;
	})()`)
}

func (b *browser) signIn(username, password string) {
	b.t.Helper()
	b.open("/console/signin")
	b.do("sign in as "+username,
		chromedp.SendKeys(chromedp.CSS("#f-username"), username),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
	)
	b.clickAndLoad(`form[action="/console/signin"] button[type=submit]`)
}

// clickAndLoad clicks and waits for the page that the click loads.
func (b *browser) clickAndLoad(sel string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}

// navPaths are the links of the top navigation, in order.
func (b *browser) navPaths() []string {
	return eval[[]string](b, `[...document.querySelectorAll('nav.topnav a')].map(a => a.getAttribute('href'))`)
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// walkMenu opens every entry of the user's menu, checking that the menu is
// what the navigation table gives the user, that no page writes a
// JavaScript error, and that no link of any page is dead.
func (b *browser) walkMenu(p *auth.Principal) []string {
	b.t.Helper()
	want := console.NavPaths(b.e.app, p)
	got := b.navPaths()
	if !slices.Equal(got, want) {
		b.t.Errorf("%s sees the menu %v; the navigation table gives %v", p.Username, got, want)
	}
	for _, path := range want {
		b.open(path)
		if dead := b.deadLinks(); len(dead) > 0 {
			b.t.Errorf("%s: dead links %v", path, dead)
		}
		b.checkConsole(path)
	}
	return want
}

func principal(t *testing.T, e *env, username string) *auth.Principal {
	t.Helper()
	u, err := auth.GetUserByUsername(context.Background(), e.db.Reader(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.Principal()
}

func TestBrowser(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	b := newBrowser(t, e)
	visited := map[string]bool{}

	// A wrong password: one generic message, no session.
	b.signIn("distributor", "Wrong@2026")
	if got := b.text("#signin-error"); got != "用户名或密码错误" {
		t.Errorf("wrong password message %q", got)
	}
	b.checkConsole("wrong password")

	// The distributor's main account: every menu entry, both languages.
	b.signIn("distributor", demo.Password)
	if loc := eval[string](b, `location.pathname`); loc != "/console/home" {
		t.Fatalf("after sign-in: %s", loc)
	}
	for _, p := range b.walkMenu(principal(t, e, "distributor")) {
		visited[p] = true
	}
	b.open("/console/home")
	if got := b.text("nav.topnav"); !strings.Contains(got, "首页") || !strings.Contains(got, "组织管理") {
		t.Errorf("zh-CN navigation: %q", got)
	}
	b.do("switch to English",
		chromedp.Click(chromedp.CSS("details.account > summary")),
		chromedp.Click(chromedp.CSS(`details.account button[name=lang][value=en]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`html[lang=en] nav.topnav`)),
	)
	if got := b.text("nav.topnav"); !strings.Contains(got, "Home") || !strings.Contains(got, "Organisation") {
		t.Errorf("English navigation: %q", got)
	}
	if got := b.text("main"); !strings.Contains(got, "Total distributor") || !strings.Contains(got, "Differentiated") {
		t.Errorf("English home page lacks the type and stage labels: %q", got)
	}
	b.walkMenu(principal(t, e, "distributor"))
	b.do("switch back to Chinese",
		chromedp.Click(chromedp.CSS("details.account > summary")),
		chromedp.Click(chromedp.CSS(`details.account button[name=lang][value="zh-CN"]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"] nav.topnav`)),
	)

	// The 更多 menu of a row opens, and its items answer.
	b.open("/console/org")
	b.do("open 更多",
		chromedp.Click(chromedp.CSS("td.ops details.more > summary")),
		chromedp.WaitVisible(chromedp.CSS("td.ops details.more[open] .menu a")),
	)
	b.checkConsole("更多 menu")

	// Sign out from the account menu.
	b.do("sign out",
		chromedp.Click(chromedp.CSS("details.account > summary")),
		chromedp.Click(chromedp.CSS(`details.account form[action="/console/signout"] button`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS("#f-username")),
	)
	if got := b.text(".flash"); got != "您已安全退出" {
		t.Errorf("after signing out: %q", got)
	}
	b.open("/console/home")
	if loc := eval[string](b, `location.pathname`); loc != "/console/signin" {
		t.Errorf("signed out, /console/home showed %s", loc)
	}

	// A customer manager has no organisation page.
	b.signIn("distributor-manager", demo.Password)
	b.walkMenu(principal(t, e, "distributor-manager"))
	if slices.Contains(b.navPaths(), "/console/org") {
		t.Error("the customer manager's menu offers the organisation page")
	}
	b.do("sign out", chromedp.Click(chromedp.CSS("details.account > summary")),
		chromedp.Click(chromedp.CSS(`details.account form[action="/console/signout"] button`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS("#f-username")))

	// A reseller's main account: the pages only resellers have (经销商邀请).
	b.signIn("reseller", demo.Password)
	for _, p := range b.walkMenu(principal(t, e, "reseller")) {
		visited[p] = true
	}
	if slices.Contains(b.navPaths(), "/console/resellers") {
		t.Error("a reseller's menu offers 二级经销商管理")
	}
	b.do("sign out", chromedp.Click(chromedp.CSS("details.account > summary")),
		chromedp.Click(chromedp.CSS(`details.account form[action="/console/signout"] button`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS("#f-username")))

	// The provider's administrator: the back office.
	b.signIn("admin", demo.Password)
	for _, p := range b.walkMenu(principal(t, e, "admin")) {
		visited[p] = true
	}
	// The partner filter swaps the list in place (htmx) and keeps the address.
	b.open("/console/staff/partners")
	b.do("filter partners",
		chromedp.SendKeys(chromedp.CSS("#f-q"), "杭州"),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`!document.querySelector("#list").textContent.includes("上海云帆")`, chromedp.WithPollingInterval(50*time.Millisecond)),
	)
	if got := b.text("#list tbody"); !strings.Contains(got, "杭州云联科技有限公司") {
		t.Errorf("filtered list: %q", got)
	}
	if q := eval[string](b, `location.search`); !strings.Contains(q, "q=") {
		t.Errorf("the filter did not update the address: %q", q)
	}
	b.checkConsole("partner filter")
	b.open("/console/staff/partners/new")
	b.checkConsole("new partner form")

	// A partner's page: each tab, and the links on it.
	b.open("/console/staff/partners")
	detail := eval[string](b, `document.querySelector('#list td.ops a').getAttribute('href')`)
	for _, tab := range []string{"", "?tab=users", "?tab=audit"} {
		b.open(detail + tab)
		if dead := b.deadLinks(); len(dead) > 0 {
			t.Errorf("%s%s: dead links %v", detail, tab, dead)
		}
		b.checkConsole(detail + tab)
	}

	for _, p := range console.MenuPages(e.app) {
		if !visited[p] {
			t.Errorf("menu page %s was not opened by any user of the test", p)
		}
	}
}
