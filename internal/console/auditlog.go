package console

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
)

// knownActions are the actions the filter offers; the log may hold others,
// which show by their code.
var knownActions = []string{"partner.create", "partner.update", "user.create", "user.roles", "user.disable", "user.enable", "user.password"}

// auditView is the audit log page: a partner admin sees its own tenant's
// entries; provider staff with the audit permission see every tenant's and
// may filter by partner.
type auditView struct {
	AllTenants bool
	Table      auditTable
	Pager      pager
	Actions    []option
}

// auditTable is a list of entries as the audit_table partial shows them.
type auditTable struct {
	Rows        []auditRow
	ShowPartner bool
	Loc         *time.Location
}

type auditRow struct {
	audit.Entry
	Partner string // display name, for the provider's view
	Changes []fieldChange
}

// fieldChange is one field of an entry's summary: its value before and
// after (one of them empty for a creation or deletion).
type fieldChange struct {
	Field, Before, After string
}

func (h *handler) auditPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	f := newForm(c.r.URL.Query())
	v := auditView{AllTenants: c.p.Can(auth.PermStaffAudit)}
	for _, a := range filterActions() {
		v.Actions = append(v.Actions, option{Value: a, Label: i18n.T(c.lang, actionKey(a))})
	}
	filter := audit.Filter{PartnerID: c.p.PartnerID, Action: f.Get("action"), Actor: f.Get("actor"), Limit: pageSize}
	page, offset := pageOf(c.r)
	filter.Offset = offset
	if v.AllTenants {
		filter.AllTenants, filter.PartnerID = true, ""
		if name := f.Get("partner"); name != "" {
			p, err := partner.GetByName(ctx, q, name)
			if err != nil {
				if err := f.take(c, apperr.Field("partner", "partner.not_found", "partner not found")); err != nil {
					return err
				}
			} else {
				filter.PartnerID = p.ID
			}
		}
	}
	var err error
	if filter.From, filter.To, err = dateRange(c, f); err != nil {
		return err
	}
	if f.ok() {
		entries, total, err := audit.List(ctx, q, filter)
		if err != nil {
			return err
		}
		v.Pager = newPager(c.r, page, total)
		v.Table = c.auditTable(entries, v.AllTenants)
	} else {
		v.Pager = newPager(c.r, 1, 0)
		v.Table = c.auditTable(nil, v.AllTenants)
	}
	return c.render(http.StatusOK, "audit", &view{Title: "audit.title", Active: "/console/audit", Form: f, Data: v})
}

// dateRange reads the from and to days of a filter, in the user's zone; the
// to day is included whole.
func dateRange(c *call, f *form) (from, to time.Time, err error) {
	day := func(field string) time.Time {
		s := f.Get(field)
		if s == "" {
			return time.Time{}
		}
		t, perr := i18n.ParseDate(s, c.loc)
		if perr != nil {
			err = f.take(c, apperr.Field(field, "audit.date_invalid", "use YYYY-MM-DD"))
		}
		return t
	}
	from, to = day("from"), day("to")
	if err != nil {
		return
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		err = f.take(c, apperr.Field("to", "audit.range_invalid", "the end is before the start"))
	}
	return
}

// summaryFields names the fields of audit summaries in the user's language,
// and the message of each value of the enumerated ones; a field not listed
// shows as recorded.
var summaryFields = map[string]struct {
	label string
	value func(string) string
}{
	"name":         {"profile.name", nil},
	"display_name": {"profile.display_name", nil},
	"type":         {"profile.type", func(v string) string { return typeKey(partner.Type(v)) }},
	"stage":        {"profile.stage", func(v string) string { return stageKey(partner.Stage(v)) }},
	"parent_id":    {"profile.parent", nil},
	"pdm_user_id":  {"profile.pdm", nil},
	"username":     {"org.username", nil},
	"roles":        {"org.roles", func(v string) string { return partnerRoleKey(auth.Role(v)) }},
	"disabled": {"common.status", func(v string) string {
		if v == "true" {
			return "common.disabled"
		}
		return "common.active"
	}},
}

// changesOf reads an entry's summary ({"before":…,"after":…}) into the
// fields that changed, in the user's language.
func changesOf(summary string, lang i18n.Lang) []fieldChange {
	var s struct {
		Before map[string]any `json:"before"`
		After  map[string]any `json:"after"`
	}
	if json.Unmarshal([]byte(summary), &s) != nil {
		return nil
	}
	var keys []string
	for k := range s.After {
		keys = append(keys, k)
	}
	for k := range s.Before {
		if _, ok := s.After[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []fieldChange
	for _, k := range keys {
		b, bok := s.Before[k]
		a, aok := s.After[k]
		c := fieldChange{Field: k}
		f, known := summaryFields[k]
		value := func(v string) string {
			if known && f.value != nil && i18n.Has(f.value(v)) {
				return i18n.T(lang, f.value(v))
			}
			return v
		}
		if known {
			c.Field = i18n.T(lang, f.label)
		}
		if bok {
			c.Before = show(b, value)
		}
		if aok {
			c.After = show(a, value)
		}
		if bok && aok && c.Before == c.After {
			continue
		}
		out = append(out, c)
	}
	return out
}

// show is a recorded value as text; value translates a scalar.
func show(v any, value func(string) string) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = show(e, value)
		}
		return strings.Join(parts, "、")
	default:
		return value(fmt.Sprint(v))
	}
}

// auditTable prepares entries for the audit_table partial; showPartner adds
// the name of each entry's partner, for the provider's view of all tenants.
func (c *call) auditTable(entries []audit.Entry, showPartner bool) auditTable {
	ctx, q := c.r.Context(), c.h.app.DB.Reader()
	t := auditTable{ShowPartner: showPartner, Loc: c.loc}
	names := map[string]string{}
	for _, e := range entries {
		row := auditRow{Entry: e, Changes: changesOf(e.Summary, c.lang)}
		if showPartner && e.PartnerID != "" {
			if _, ok := names[e.PartnerID]; !ok {
				if p, err := partner.Get(ctx, q, e.PartnerID); err == nil {
					names[e.PartnerID] = p.DisplayName
				}
			}
			row.Partner = names[e.PartnerID]
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// filterActions are the actions the filter offers: knownActions and every
// action the catalogue has a label for, so that a capability that records a
// new action and names it in the catalogue appears in the filter without an
// edit here.
func filterActions() []string {
	set := map[string]bool{}
	for _, a := range knownActions {
		set[a] = true
	}
	for _, k := range i18n.Keys() {
		if a, ok := strings.CutPrefix(k, actionKey("")); ok {
			set[a] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
