package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnercenter/internal/access"
	"partnercenter/internal/api"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/sso"
	"partnercenter/internal/store"
)

// 服务支持 > 能力开放 > 接入配置: the partner's platform registration, its
// platform identifier once configured, and its access keys. Every key is
// looked up with the caller's partner, so another partner's key answers not
// found. A key's secret is shown on the answer to the request that made it
// and never again.

const accessPath = "/console/access"

// accessRoutes registers 接入配置 and the provider's access-key pages.
func (h *handler) accessRoutes() {
	need := perms(auth.PermAccess)
	h.page("GET "+accessPath, need, h.accessPage)
	h.pageAndForm(accessPath+"/registration", need, h.registrationPage)
	h.pageAndForm(accessPath+"/keys/new", need, h.newKeyPage)
	h.pageAndForm(accessPath+"/keys/{id}/edit", need, h.editKeyPage)
	h.pageAndForm(accessPath+"/keys/{id}/rotate", need, h.rotateKeyPage)
	h.pageAndForm(accessPath+"/keys/{id}/delete", need, h.deleteKeyPage)
	h.page("POST "+accessPath+"/keys/{id}/status", need, h.keyStatus)

	staff := perms(auth.PermStaffAccess)
	h.page("GET "+staffKeysPath, staff, h.staffKeysPage)
	h.pageAndForm(staffKeysPath+"/{id}/revoke", staff, h.revokeKeyPage)
}

// keyRow is a key as the lists show it: its state, and what the state
// needs said (when a rotated-out key stops, why the provider revoked it).
type keyRow struct {
	*auth.AccessKey
	State     string
	StateText string
	StateNote string
}

func (c *call) keyRow(k *auth.AccessKey) keyRow {
	r := keyRow{AccessKey: k, State: access.State(k, c.h.app.DB.Now())}
	r.StateText = c.t("access.state." + r.State)
	switch {
	case r.State == access.StateRevoked:
		r.StateNote = c.t("access.revoked_note", k.RevokeReason)
	case !k.ExpiresAt.IsZero() && r.State == access.StateActive:
		r.StateNote = c.t("access.expires_note", i18n.DateTime(k.ExpiresAt, c.loc))
	case r.State == access.StateExpired:
		r.StateNote = c.t("access.expired_note", i18n.DateTime(k.ExpiresAt, c.loc))
	}
	return r
}

type accessView struct {
	Partner      *partner.Partner
	Registration *access.Registration
	Keys         []keyRow
	MaxKeys      int
	// SSO is what the partner gives its IdP, once metadata is uploaded.
	SSO *sso.SP
}

func (h *handler) accessPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	p, err := partner.Get(ctx, q, c.p.PartnerID)
	if err != nil {
		return err
	}
	v := accessView{Partner: p, MaxKeys: access.MaxKeys}
	if v.Registration, err = access.GetRegistration(ctx, q, p.ID); err != nil && !errors.Is(err, access.ErrNotConfigured) {
		return err
	}
	if v.Registration != nil && v.Registration.IdPMetadata != "" && p.XAccountType != "" {
		sp := c.spOf(p.XAccountType)
		v.SSO = &sp
	}
	keys, err := access.ListKeys(ctx, q, p.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		v.Keys = append(v.Keys, c.keyRow(k))
	}
	return c.render(http.StatusOK, "access", &view{Title: "access.title", Active: accessPath, Data: v})
}

// registrationPage shows and saves the registration form. The IdP metadata
// comes as a file upload, so the form is multipart.
func (h *handler) registrationPage(c *call) error {
	ctx := c.r.Context()
	reg, err := access.GetRegistration(ctx, h.app.DB.Reader(), c.p.PartnerID)
	if err != nil && !errors.Is(err, access.ErrNotConfigured) {
		return err
	}
	if c.r.Method == http.MethodGet {
		f := newForm(nil)
		if reg != nil {
			for k, v := range map[string]string{"platform_name": reg.PlatformName, "contact_name": reg.ContactName,
				"contact_phone": reg.ContactPhone, "contact_email": reg.ContactEmail, "pay_return_url": reg.PayReturnURL,
				"recharge_return_url": reg.RechargeReturnURL} {
				f.Values.Set(k, v)
			}
		}
		return h.renderRegistration(c, http.StatusOK, f, reg)
	}
	c.r.Body = http.MaxBytesReader(c.w, c.r.Body, access.MaxMetadataBytes+64<<10)
	f := newForm(nil)
	in := access.RegistrationInput{}
	if err := c.r.ParseMultipartForm(access.MaxMetadataBytes + 64<<10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		f.fieldError("idp_metadata", c.t("access.metadata_too_large", access.MaxMetadataBytes>>10))
	} else {
		if c.r.MultipartForm != nil {
			f.Values = c.r.MultipartForm.Value
		} else {
			f.Values = c.r.PostForm
		}
		if file, _, err := c.r.FormFile("idp_file"); err == nil {
			doc, _ := io.ReadAll(io.LimitReader(file, access.MaxMetadataBytes+1))
			file.Close()
			s := string(doc)
			in.IdPMetadata = &s
		} else if f.Get("remove_idp") == "1" {
			empty := ""
			in.IdPMetadata = &empty
		}
	}
	in.PlatformName, in.ContactName, in.ContactPhone = f.Get("platform_name"), f.Get("contact_name"), f.Get("contact_phone")
	in.ContactEmail, in.PayReturnURL, in.RechargeReturnURL = f.Get("contact_email"), f.Get("pay_return_url"), f.Get("recharge_return_url")
	if err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		_, _, err := access.Configure(ctx, tx, c.p.PartnerID, in)
		return err
	}); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderRegistration(c, http.StatusUnprocessableEntity, f, reg)
	}
	if reg == nil {
		return c.done("access.configured_ok", accessPath)
	}
	return c.done("access.saved_ok", accessPath)
}

func (h *handler) renderRegistration(c *call, status int, f *form, reg *access.Registration) error {
	return c.render(status, "access_registration", &view{Title: "access.registration", Active: accessPath, Form: f, Data: reg})
}

// scopeGroup is the operations of one group of the API document, offered as
// check boxes.
type scopeGroup struct {
	Tag     string
	Options []option
}

func scopeGroups() []scopeGroup {
	var out []scopeGroup
	for _, op := range api.Operations() {
		i := slices.IndexFunc(out, func(g scopeGroup) bool { return g.Tag == op.Tag })
		if i < 0 {
			out = append(out, scopeGroup{Tag: op.Tag})
			i = len(out) - 1
		}
		out[i].Options = append(out[i].Options, option{Value: op.ID, Label: op.ID})
	}
	return out
}

type keyFormView struct {
	Key    *auth.AccessKey // nil when creating
	Groups []scopeGroup
}

// keyInput reads the key form.
func keyInput(f *form) access.KeyInput {
	return access.KeyInput{Description: f.Get("description"), Scope: f.Values["scope"], AllowList: access.SplitAllowList(f.Values.Get("allow_list"))}
}

func (h *handler) renderKeyForm(c *call, status int, f *form, k *auth.AccessKey) error {
	title := "access.key_new"
	if k != nil {
		title = "access.key_edit"
	}
	return c.render(status, "access_key_form", &view{Title: title, Active: accessPath, Form: f, Data: keyFormView{Key: k, Groups: scopeGroups()}})
}

// secretView is the one answer that shows a key's secret.
type secretView struct {
	Key     *auth.AccessKey
	Rotated *auth.AccessKey // the key it replaces, when rotated
}

func (h *handler) newKeyPage(c *call) error {
	if c.r.Method == http.MethodGet {
		return h.renderKeyForm(c, http.StatusOK, newForm(nil), nil)
	}
	f := newForm(c.postForm())
	var k *auth.AccessKey
	if err := c.apply(f, func(ctx context.Context, tx *store.Tx) (err error) {
		k, err = access.CreateKey(ctx, tx, h.app.Sealer, c.p.PartnerID, keyInput(f), api.OperationIDs())
		return err
	}); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderKeyForm(c, http.StatusUnprocessableEntity, f, nil)
	}
	c.w.Header().Set("Cache-Control", "no-store")
	return c.render(http.StatusOK, "access_secret", &view{Title: "access.key_created", Active: accessPath, Data: secretView{Key: k}})
}

func (h *handler) editKeyPage(c *call) error {
	k, err := access.GetKey(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if c.r.Method == http.MethodGet {
		f := newForm(nil)
		f.Values.Set("description", k.Description)
		f.Values["scope"] = k.Scope
		f.Values.Set("allow_list", strings.Join(k.AllowList, "\n"))
		return h.renderKeyForm(c, http.StatusOK, f, k)
	}
	f := newForm(c.postForm())
	if err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		return access.SetKeyLists(ctx, tx, c.p.PartnerID, k.ID, keyInput(f), api.OperationIDs())
	}); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderKeyForm(c, http.StatusUnprocessableEntity, f, k)
	}
	return c.done("access.key_saved_ok", accessPath, k.ID)
}

type rotateView struct {
	Key     *auth.AccessKey
	Windows []option
}

func (h *handler) rotateKeyPage(c *call) error {
	k, err := access.GetKey(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var windows []option
	for _, w := range access.Windows {
		windows = append(windows, option{Value: strconv.Itoa(int(w / time.Hour)), Label: c.t("access.window_hours", int(w/time.Hour))})
	}
	v := &view{Title: "access.rotate", Active: accessPath, Data: rotateView{Key: k, Windows: windows}}
	if c.r.Method == http.MethodGet {
		v.Form = newForm(nil)
		v.Form.Values.Set("window", strconv.Itoa(int(access.DefaultWindow/time.Hour)))
		return c.render(http.StatusOK, "access_rotate", v)
	}
	v.Form = newForm(c.postForm())
	hours, _ := strconv.Atoi(v.Form.Get("window"))
	var next *auth.AccessKey
	if err := c.apply(v.Form, func(ctx context.Context, tx *store.Tx) (err error) {
		next, err = access.RotateKey(ctx, tx, h.app.Sealer, c.p.PartnerID, k.ID, time.Duration(hours)*time.Hour)
		return err
	}); err != nil {
		return err
	}
	if !v.Form.ok() {
		return c.render(http.StatusUnprocessableEntity, "access_rotate", v)
	}
	k, err = access.GetKey(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, k.ID)
	if err != nil {
		return err
	}
	c.w.Header().Set("Cache-Control", "no-store")
	return c.render(http.StatusOK, "access_secret", &view{Title: "access.key_created", Active: accessPath, Data: secretView{Key: next, Rotated: k}})
}

func (h *handler) deleteKeyPage(c *call) error {
	k, err := access.GetKey(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if c.r.Method == http.MethodGet {
		return c.render(http.StatusOK, "access_delete", &view{Title: "access.delete", Active: accessPath, Data: c.keyRow(k)})
	}
	ctx := c.r.Context()
	if err := h.app.DB.InTx(ctx, func(tx *store.Tx) error { return access.DeleteKey(ctx, tx, c.p.PartnerID, k.ID) }); err != nil {
		return err
	}
	return c.done("access.deleted_ok", accessPath, k.ID)
}

// keyStatus disables or enables a key; a refusal (a revoked or expired key)
// comes back as the list's message.
func (h *handler) keyStatus(c *call) error {
	ctx := c.r.Context()
	id := c.r.PathValue("id")
	disable := c.postForm().Get("disabled") == "1"
	err := h.app.DB.InTx(ctx, func(tx *store.Tx) error { return access.SetKeyDisabled(ctx, tx, c.p.PartnerID, id, disable) })
	if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict {
		var args []string
		for _, a := range e.Args {
			args = append(args, fmt.Sprint(a))
		}
		c.setFlash(e.Key, true, args...)
		c.redirect(accessPath)
		return nil
	}
	if err != nil {
		return err
	}
	if disable {
		return c.done("access.disabled_ok", accessPath, id)
	}
	return c.done("access.enabled_ok", accessPath, id)
}
