package console

import (
	"context"
	"net/http"

	"partnercenter/internal/access"
	"partnercenter/internal/store"
)

// The provider's 访问密钥: every partner's keys, filtered by partner and
// state, and the revocation of one with a reason the partner sees.

const staffKeysPath = "/console/staff/access-keys"

type staffKeyRow struct {
	keyRow
	PartnerName, PartnerDisplayName string
}

type staffKeysView struct {
	Rows   []staffKeyRow
	States []option
	Pager  pager
}

func (h *handler) staffKeysPage(c *call) error {
	f := newForm(c.r.URL.Query())
	page, offset := pageOf(c.r)
	state := f.Get("state")
	states := make([]option, 0, len(access.States))
	for _, s := range access.States {
		states = append(states, option{Value: s, Label: c.t("access.state." + s)})
	}
	keys, total, err := access.ListAllKeys(c.r.Context(), h.app.DB.Reader(),
		access.StaffFilter{Partner: f.Get("partner"), State: state, Offset: offset, Limit: pageSize}, h.app.DB.Now())
	if err != nil {
		return err
	}
	v := staffKeysView{States: states, Pager: newPager(c.r, page, total)}
	for _, k := range keys {
		v.Rows = append(v.Rows, staffKeyRow{keyRow: c.keyRow(k.AccessKey), PartnerName: k.PartnerName, PartnerDisplayName: k.PartnerDisplayName})
	}
	return c.render(http.StatusOK, "access_staff", &view{Title: "nav.staff_access_keys", Active: staffKeysPath, Form: f, Data: v})
}

func (h *handler) revokeKeyPage(c *call) error {
	id := c.r.PathValue("id")
	v := &view{Title: "access.revoke", Active: staffKeysPath, Data: id}
	if c.r.Method == http.MethodGet {
		v.Form = newForm(nil)
		return c.render(http.StatusOK, "access_revoke", v)
	}
	v.Form = newForm(c.postForm())
	if err := c.apply(v.Form, func(ctx context.Context, tx *store.Tx) error {
		return access.RevokeKey(ctx, tx, id, v.Form.Get("reason"))
	}); err != nil {
		return err
	}
	if !v.Form.ok() {
		return c.render(http.StatusUnprocessableEntity, "access_revoke", v)
	}
	return c.done("access.revoked_ok", staffKeysPath, id)
}
