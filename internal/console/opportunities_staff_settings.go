package console

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
)

// The settings of PO review: the offices (代表处) with their PSMs and the
// industries each covers, which routing reads; and the working-day calendar
// (holidays on weekdays, working weekend days) the review SLA counts in.

type soOfficeRow struct {
	*opportunity.Office
	PSMs []soOfficePSM
}

type soOfficePSM struct {
	opportunity.OfficePSM
	Name       string
	Industries string
}

type soOfficesView struct {
	Offices    []soOfficeRow
	OfficeOpts []option
	PSMOpts    []option
	Industries []option
	PSMForm    *form
}

func (h *handler) soOfficesPage(c *call) error {
	return h.soRenderOffices(c, http.StatusOK, newForm(nil), newForm(nil))
}

// soRenderOffices shows the offices with the office form (f) and the PSM
// form (psm), either as submitted when refused.
func (h *handler) soRenderOffices(c *call, status int, f, psm *form) error {
	names, err := h.soLoadNames(c)
	if err != nil {
		return err
	}
	v := soOfficesView{OfficeOpts: names.officeOptions(), Industries: soIndustryOptions(c.lang), PSMForm: psm}
	for _, o := range names.offices {
		row := soOfficeRow{Office: o}
		for _, p := range o.PSMs {
			ind := make([]string, len(p.Industries))
			for i, s := range p.Industries {
				ind[i] = c.t("opportunity.industry." + s)
			}
			row.PSMs = append(row.PSMs, soOfficePSM{OfficePSM: p, Name: names.user(p.UserID), Industries: strings.Join(ind, "、")})
		}
		v.Offices = append(v.Offices, row)
	}
	for _, u := range names.staff {
		if slices.Contains(u.Roles, auth.StaffPSM) && !u.Disabled {
			v.PSMOpts = append(v.PSMOpts, option{Value: u.ID, Label: u.DisplayName + " (" + u.Username + ")"})
		}
	}
	slices.SortFunc(v.PSMOpts, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	return c.render(status, "opportunities_staff_offices", &view{Title: "opportunity_staff.offices_title", Active: soOfficesPath, Form: f, Data: v})
}

func soOfficeSummary(o *opportunity.Office) map[string]any {
	return map[string]any{"name_zh": o.NameZh, "name_en": o.NameEn}
}

// soFindOffice is an office of the list by id, or nil.
func soFindOffice(list []*opportunity.Office, id string) *opportunity.Office {
	for _, o := range list {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// soSaveOffice adds an office, or renames the one named by office_id.
func (h *handler) soSaveOffice(c *call) error {
	f := newForm(c.postForm())
	o := &opportunity.Office{ID: f.Get("office_id"), NameZh: f.Get("name_zh"), NameEn: f.Get("name_en")}
	if len([]rune(o.NameZh)) > 64 || len([]rune(o.NameEn)) > 64 {
		f.fieldError("name_zh", c.t("opportunity_staff.office_name_long"))
	}
	var before *opportunity.Office
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if o.ID != "" {
			list, err := opportunity.Offices(ctx, tx)
			if err != nil {
				return err
			}
			if before = soFindOffice(list, o.ID); before == nil {
				return opportunity.ErrNotFound
			}
		}
		if err := opportunity.SaveOffice(ctx, tx, o); err != nil {
			return err
		}
		ch := audit.Change{Action: "opportunity.office_save", ObjectType: "office", ObjectID: o.ID, After: soOfficeSummary(o)}
		if before != nil {
			ch.Before = soOfficeSummary(before)
		}
		return audit.Record(ctx, tx, ch)
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.soRenderOffices(c, http.StatusUnprocessableEntity, f, newForm(nil))
	}
	return c.done("opportunity_staff.office_saved", soOfficesPath, o.NameZh)
}

// soSetOfficePSM adds a PSM to an office, or changes its industries.
func (h *handler) soSetOfficePSM(c *call) error {
	f := newForm(c.postForm())
	officeID, userID := f.Get("psm_office"), f.Get("user_id")
	var industries []string
	for _, s := range f.Values["industries"] {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(industries, s) {
			industries = append(industries, s)
		}
	}
	if officeID == "" {
		f.fieldError("psm_office", c.t("opportunity.office_required"))
	}
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		list, err := opportunity.Offices(ctx, tx)
		if err != nil {
			return err
		}
		office := soFindOffice(list, officeID)
		if office == nil {
			f.fieldError("psm_office", c.t("opportunity.office_unknown"))
			return nil
		}
		var before any
		for _, p := range office.PSMs {
			if p.UserID == userID {
				before = map[string]any{"user_id": userID, "industries": strings.Join(p.Industries, ",")}
			}
		}
		if err := opportunity.SetOfficePSM(ctx, tx, officeID, userID, industries); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "opportunity.office_psm_set", ObjectType: "office", ObjectID: officeID,
			Before: before, After: map[string]any{"user_id": userID, "industries": strings.Join(industries, ",")}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.soRenderOffices(c, http.StatusUnprocessableEntity, newForm(nil), f)
	}
	return c.done("opportunity_staff.psm_saved", soOfficesPath)
}

// soRemoveOfficePSM takes a PSM off an office.
func (h *handler) soRemoveOfficePSM(c *call) error {
	f := newForm(c.postForm())
	officeID, userID := f.Get("office_id"), f.Get("user_id")
	err := h.app.DB.InTx(c.r.Context(), func(tx *store.Tx) error {
		ctx := c.r.Context()
		list, err := opportunity.Offices(ctx, tx)
		if err != nil {
			return err
		}
		office := soFindOffice(list, officeID)
		if office == nil {
			return opportunity.ErrNotFound
		}
		var found *opportunity.OfficePSM
		for i := range office.PSMs {
			if office.PSMs[i].UserID == userID {
				found = &office.PSMs[i]
			}
		}
		if found == nil {
			return opportunity.ErrNotFound
		}
		if err := opportunity.RemoveOfficePSM(ctx, tx, officeID, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "opportunity.office_psm_remove", ObjectType: "office", ObjectID: officeID,
			Before: map[string]any{"user_id": userID, "industries": strings.Join(found.Industries, ",")}})
	})
	if err != nil {
		return err
	}
	return c.done("opportunity_staff.psm_removed", soOfficesPath)
}

// soCalendarView is the calendar of one year.
type soCalendarView struct {
	Year       int
	Prev, Next int
	Days       []soCalendarRow
	Kinds      []option
}

type soCalendarRow struct {
	Date, Weekday, Kind, Name string
	Working                   bool
}

// soCalendarKinds are the kinds of exception the form adds.
var soCalendarKinds = []string{"holiday", "working"}

func (h *handler) soCalendarPage(c *call) error {
	return h.soRenderCalendar(c, http.StatusOK, newForm(nil), 0)
}

func (h *handler) soRenderCalendar(c *call, status int, f *form, year int) error {
	if year == 0 {
		year = h.app.DB.Now().In(ledger.BillingZone).Year()
		if y, err := strconv.Atoi(c.r.URL.Query().Get("year")); err == nil && y >= 2000 && y <= 2100 {
			year = y
		}
	}
	days, err := opportunity.CalendarDays(c.r.Context(), h.app.DB.Reader(), year)
	if err != nil {
		return err
	}
	v := soCalendarView{Year: year, Prev: year - 1, Next: year + 1,
		Kinds: optionsOf(c.lang, soCalendarKinds, func(s string) string { return "opportunity_staff.calendar_kind." + s })}
	for _, d := range days {
		local := d.Day.In(ledger.BillingZone)
		kind := "holiday"
		if d.Working {
			kind = "working"
		}
		v.Days = append(v.Days, soCalendarRow{Date: local.Format("2006-01-02"), Weekday: c.t("opportunity_staff.weekday." + strings.ToLower(local.Weekday().String())),
			Kind: c.t("opportunity_staff.calendar_kind." + kind), Name: d.Name, Working: d.Working})
	}
	if f.Get("day") == "" && f.Get("kind") == "" {
		f.Values.Set("kind", "holiday")
	}
	return c.render(status, "opportunities_staff_calendar", &view{Title: "opportunity_staff.calendar_title", Active: soCalendarPath, Form: f, Data: v})
}

// soWeekend reports whether a billing day is a Saturday or Sunday.
func soWeekend(t time.Time) bool {
	wd := t.In(ledger.BillingZone).Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// soAddCalendarDay records a holiday on a weekday or a working weekend day.
func (h *handler) soAddCalendarDay(c *call) error {
	f := newForm(c.postForm())
	day, ok := soParseDay(f.Get("day"))
	kind, name := f.Get("kind"), f.Get("name")
	switch {
	case !ok:
		f.fieldError("day", c.t("opportunity_staff.date_invalid"))
	case kind == "holiday" && soWeekend(day):
		f.fieldError("day", c.t("opportunity_staff.holiday_weekday"))
	case kind == "working" && !soWeekend(day):
		f.fieldError("day", c.t("opportunity_staff.working_weekend"))
	}
	if !slices.Contains(soCalendarKinds, kind) {
		f.fieldError("kind", c.t("opportunity_staff.calendar_kind_required"))
	}
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if err := opportunity.SetCalendarDay(ctx, tx, day, kind == "working", name); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "opportunity.calendar_set", ObjectType: "calendar_day", ObjectID: soDay(day),
			After: map[string]any{"day": soDay(day), "working": kind == "working", "name": name}})
	})
	if err != nil {
		return err
	}
	year := 0
	if ok {
		year = day.In(ledger.BillingZone).Year()
	}
	if !f.ok() {
		return h.soRenderCalendar(c, http.StatusUnprocessableEntity, f, year)
	}
	return c.done("opportunity_staff.calendar_saved", soCalendarPath+"?year="+strconv.Itoa(year), soDay(day))
}

// soRemoveCalendarDay puts a day back to its ordinary kind.
func (h *handler) soRemoveCalendarDay(c *call) error {
	f := newForm(c.postForm())
	day, ok := soParseDay(f.Get("day"))
	if !ok {
		return opportunity.ErrNotFound
	}
	year := day.In(ledger.BillingZone).Year()
	err := h.app.DB.InTx(c.r.Context(), func(tx *store.Tx) error {
		ctx := c.r.Context()
		days, err := opportunity.CalendarDays(ctx, tx, year)
		if err != nil {
			return err
		}
		var found *opportunity.CalendarDay
		for i := range days {
			if days[i].Day.Equal(day) {
				found = &days[i]
			}
		}
		if found == nil {
			return opportunity.ErrNotFound
		}
		if err := opportunity.SetCalendarDay(ctx, tx, day, !soWeekend(day), ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "opportunity.calendar_remove", ObjectType: "calendar_day", ObjectID: soDay(day),
			Before: map[string]any{"day": soDay(day), "working": found.Working, "name": found.Name}})
	})
	if err != nil {
		return err
	}
	return c.done("opportunity_staff.calendar_removed", soCalendarPath+"?year="+strconv.Itoa(year), soDay(day))
}

// soPipelineView is the provider's pipeline: the funnel by sales stage
// (overall, or of one office or PSM), and the totals by office and by PSM.
type soPipelineView struct {
	Funnel   *soFunnel
	Offices  []option
	PSMs     []option
	ByOffice []soGroupRow
	ByPSM    []soGroupRow
}

type soGroupRow struct {
	opportunity.GroupTotal
	Name string
}

// soFunnel is the funnel drawn as an inline SVG of horizontal bars, one per
// stage: the bar's length is the stage's amount (its count when no stage
// has an amount), its label the count and the amount. The figures are in
// a table beside it too.
type soFunnel struct {
	Title, Desc   string
	Width, Height int
	Bars          []soFunnelBar
	TotalCount    int
	TotalAmount   int64
}

type soFunnelBar struct {
	Stage        string
	Count        int
	Amount       int64
	X, Y, W, H   float64
	LabelX       float64
	LabelY       float64
	TextX, TextY float64
	Text         string
}

const (
	soFunnelWidth  = 760
	soFunnelRow    = 44
	soFunnelLeft   = 110.0
	soFunnelText   = 230.0
	soFunnelBarGap = 10.0
)

func soNewFunnel(lang i18n.Lang, stages []opportunity.FunnelStage) *soFunnel {
	f := &soFunnel{Title: i18n.T(lang, "opportunity_staff.funnel_title"), Width: soFunnelWidth, Height: soFunnelRow*len(stages) + 8}
	var peakAmount int64
	peakCount := 0
	for _, s := range stages {
		peakAmount, peakCount = max(peakAmount, s.Amount), max(peakCount, s.Count)
		f.TotalCount += s.Count
		f.TotalAmount += s.Amount
	}
	span := soFunnelWidth - soFunnelLeft - soFunnelText
	var desc []string
	for i, s := range stages {
		w := 0.0
		switch {
		case peakAmount > 0:
			w = span * float64(s.Amount) / float64(peakAmount)
		case peakCount > 0:
			w = span * float64(s.Count) / float64(peakCount)
		}
		if s.Count > 0 && w < 2 {
			w = 2
		}
		y := 4 + float64(i*soFunnelRow)
		name := i18n.T(lang, "opportunity.stage."+s.Stage)
		text := i18n.T(lang, "opportunity_staff.funnel_bar", s.Count, i18n.Amount(s.Amount))
		f.Bars = append(f.Bars, soFunnelBar{Stage: name, Count: s.Count, Amount: s.Amount, X: soFunnelLeft, Y: y, W: w,
			H: soFunnelRow - soFunnelBarGap, LabelX: soFunnelLeft - 8, LabelY: y + (soFunnelRow-soFunnelBarGap)/2 + 5, TextX: soFunnelLeft + w + 8,
			TextY: y + (soFunnelRow-soFunnelBarGap)/2 + 5, Text: text})
		desc = append(desc, name+": "+text)
	}
	f.Desc = strings.Join(desc, "; ")
	return f
}

func (h *handler) soPipelinePage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	names, err := h.soLoadNames(c)
	if err != nil {
		return err
	}
	f := newForm(c.r.URL.Query())
	stages, err := opportunity.Funnel(ctx, q, opportunity.Viewer{}, f.Get("office"), f.Get("psm"))
	if err != nil {
		return err
	}
	v := soPipelineView{Funnel: soNewFunnel(c.lang, stages), Offices: names.officeOptions()}
	for _, u := range names.staff {
		if slices.Contains(u.Roles, auth.StaffPSM) {
			v.PSMs = append(v.PSMs, option{Value: u.ID, Label: u.DisplayName + " (" + u.Username + ")"})
		}
	}
	slices.SortFunc(v.PSMs, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	byOffice, err := opportunity.PipelineBy(ctx, q, "office")
	if err != nil {
		return err
	}
	for _, g := range byOffice {
		name := names.office(g.Key)
		if g.Key == "" {
			name = c.t("opportunity_staff.no_office")
		}
		v.ByOffice = append(v.ByOffice, soGroupRow{GroupTotal: g, Name: name})
	}
	byPSM, err := opportunity.PipelineBy(ctx, q, "psm")
	if err != nil {
		return err
	}
	for _, g := range byPSM {
		name := names.user(g.Key)
		if g.Key == "" {
			name = c.t("opportunity_staff.no_psm")
		}
		v.ByPSM = append(v.ByPSM, soGroupRow{GroupTotal: g, Name: name})
	}
	return c.render(http.StatusOK, "opportunities_staff_pipeline", &view{Title: "opportunity_staff.pipeline_title", Active: soPipelinePath,
		Form: f, Data: v})
}
