package console

import (
	"context"
	"net/http"

	"partnercenter/internal/auth"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
)

// The inbox behind the header's bell, for partner users and staff: the
// latest notifications with links to their opportunity, marked read one by
// one or all at once. Every page renders the bell's unread count with the
// layout (unreadCount), so it needs no script and no request of its own.

const inboxPath = "/console/inbox"

// inboxSize is how many notifications the inbox lists.
const inboxSize = 100

// staffOpportunityPath is where the back office shows an opportunity.
const staffOpportunityPath = "/console/staff/opportunities/"

func (h *handler) inboxRoutes() {
	anyone := []auth.Permission(nil)
	h.page("GET "+inboxPath, anyone, h.inboxPage)
	h.page("POST "+inboxPath+"/read", anyone, h.markRead)
	h.page("POST "+inboxPath+"/{id}/open", anyone, h.openNotification)
}

type inboxView struct {
	Rows   []inboxRow
	Unread int
}

type inboxRow struct {
	opportunity.Notification
	Text, Href string
}

func (h *handler) inboxPage(c *call) error {
	list, unread, err := opportunity.Inbox(c.r.Context(), h.app.DB.Reader(), c.p.UserID, inboxSize)
	if err != nil {
		return err
	}
	v := &inboxView{Unread: unread}
	for _, n := range list {
		row := inboxRow{Notification: n, Text: n.Kind, Href: h.notificationHref(c, n)}
		if i18n.Has(n.Kind) {
			row.Text = c.t(n.Kind, n.Args["code"])
		}
		if status := n.Args["status"]; status != "" && i18n.Has(reviewKey(status)) {
			row.Text = c.t("inbox.with_status", row.Text, c.t(reviewKey(status)))
		}
		v.Rows = append(v.Rows, row)
	}
	return c.render(http.StatusOK, "inbox", &view{Title: "inbox.title", Data: v})
}

// notificationHref is the page of a notification's opportunity the user
// may open, or nothing.
func (h *handler) notificationHref(c *call, n opportunity.Notification) string {
	if n.SubjectID == "" {
		return ""
	}
	if href, ok := solutionNotificationHref(c, n); ok {
		return href
	}
	if c.p.IsStaff() {
		if _, ok := h.routes[staffOpportunityPath+"{id}"]; ok {
			return staffOpportunityPath + n.SubjectID
		}
		return ""
	}
	if !c.p.Can(auth.PermOpportunity) {
		return ""
	}
	if n.Kind == "opportunity.shared" {
		return oppsPath + "/" + n.SubjectID + "/offer"
	}
	return oppsPath + "/" + n.SubjectID
}

// openNotification marks a notification read and opens its page.
func (h *handler) openNotification(c *call) error {
	list, _, err := opportunity.Inbox(c.r.Context(), h.app.DB.Reader(), c.p.UserID, inboxSize)
	if err != nil {
		return err
	}
	for _, n := range list {
		if n.ID != c.r.PathValue("id") {
			continue
		}
		href := h.notificationHref(c, n)
		if href == "" {
			href = inboxPath
		}
		if err := h.app.DB.InTx(c.r.Context(), func(tx *store.Tx) error {
			return opportunity.MarkRead(c.r.Context(), tx, c.p.UserID, n.ID)
		}); err != nil {
			return err
		}
		c.redirect(href)
		return nil
	}
	return apperr.NotFoundf("error.not_found.title", "no such notification")
}

// markRead marks one notification read, or all of them without an id.
func (h *handler) markRead(c *call) error {
	f := newForm(c.postForm())
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		return opportunity.MarkRead(ctx, tx, c.p.UserID, f.Get("id"))
	})
	if err != nil {
		return err
	}
	return c.done("inbox.marked", inboxPath)
}

// unreadCount is the bell's count for the user signed in. A failure to
// count must not cost the page: it is logged and the bell shows nothing.
func (h *handler) unreadCount(c *call) int {
	if c.p.UserID == "" {
		return 0
	}
	var unread int
	if err := h.app.DB.Reader().QueryRowContext(c.r.Context(), `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`,
		c.p.UserID).Scan(&unread); err != nil {
		h.app.Log.Warn("console: counting unread notifications", "err", err)
		return 0
	}
	return unread
}
