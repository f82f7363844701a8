package console

import (
	"net/http/httptest"
	"strings"
	"testing"

	"partnercenter/internal/platform/i18n"
)

// A list counted only up to a cap says there are more, and offers the next
// page as long as the pages are full, past the counted ones too.
func TestPagerOfAListCountedToACap(t *testing.T) {
	r := httptest.NewRequest("GET", "/console/staff/opportunities?scope=all&page=3", nil)
	exact := newPagerAtLeast(r, 3, 45, false, 5)
	if exact.More || exact.Pages != 3 || exact.Next != "" || !strings.Contains(exact.Prev, "page=2") {
		t.Errorf("exact: %+v", exact)
	}
	capped := newPagerAtLeast(r, 3, 10_000, true, pageSize)
	if !capped.More || capped.Total != 10_000 || capped.Pages != 500 || !strings.Contains(capped.Next, "page=4") ||
		!strings.Contains(capped.Next, "scope=all") || !strings.Contains(capped.Prev, "page=2") {
		t.Errorf("capped: %+v", capped)
	}
	r = httptest.NewRequest("GET", "/console/staff/opportunities?page=600", nil)
	beyond := newPagerAtLeast(r, 600, 10_000, true, pageSize)
	if beyond.Pages != 600 || !strings.Contains(beyond.Next, "page=601") || !strings.Contains(beyond.Prev, "page=599") {
		t.Errorf("beyond the counted pages: %+v", beyond)
	}
	last := newPagerAtLeast(r, 600, 10_000, true, 3)
	if last.Next != "" || !strings.Contains(last.Prev, "page=599") {
		t.Errorf("the last page: %+v", last)
	}
	if got := i18n.T("zh-CN", "common.total_more", 10_000); got != "超过 10000 条" {
		t.Errorf("zh-CN: %q", got)
	}
	if got := i18n.T("en", "common.page_more", 3, 500); got != "Page 3 of 500+" {
		t.Errorf("en: %q", got)
	}
}
