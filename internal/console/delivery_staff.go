package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"partnercenter/internal/auth"
	"partnercenter/internal/delivery"
	"partnercenter/internal/store"
)

// The back office's 交付评价 (/console/staff/delivery): every partner's
// projects with their evaluation, the evaluation of submitted evidence
// (score 0–100, pass or reject with a comment), and sampling: the rate and
// interval of the periodic run, a run started by hand, and each run's
// stored seed, candidates and draw with its re-verification.

const staffDeliveryPath = "/console/staff/delivery"

func (h *handler) staffDeliveryRoutes() {
	need := perms(auth.PermStaffDelivery)
	h.page("GET "+staffDeliveryPath, need, h.staffDeliveryPage)
	h.page("GET "+staffDeliveryPath+"/projects/{id}", need, h.staffDeliveryProjectPage)
	h.page("POST "+staffDeliveryPath+"/projects/{id}/evaluate", need, h.evaluateDelivery)
	h.page("GET "+staffDeliveryPath+"/runs", need, h.samplingRunsPage)
	h.page("POST "+staffDeliveryPath+"/runs", need, h.runSampling)
	h.page("POST "+staffDeliveryPath+"/settings", need, h.saveSamplingSettings)
	h.page("GET "+staffDeliveryPath+"/runs/{id}", need, h.samplingRunPage)
}

func (c *call) staffDeliveryTabs(active string) []tab {
	return []tab{
		{Label: "delivery.staff.tab.projects", Href: staffDeliveryPath, Active: active == "projects"},
		{Label: "delivery.staff.tab.runs", Href: staffDeliveryPath + "/runs", Active: active == "runs"},
	}
}

func (h *handler) staffDeliveryPage(c *call) error {
	f := newForm(c.r.URL.Query())
	v := &deliveryListView{Tab: "projects", Tabs: c.staffDeliveryTabs("projects"), Action: staffDeliveryPath, Reset: staffDeliveryPath, Staff: true}
	if err := h.listDeliveries(c, f, delivery.Viewer{}, staffDeliveryPath+"/projects", v); err != nil {
		return err
	}
	return c.render(http.StatusOK, "delivery", &view{Title: "nav.staff_delivery", Active: staffDeliveryPath, Form: f, Data: v})
}

func (h *handler) renderStaffDeliveryProject(c *call, status int, id string, f *form) error {
	d, err := h.deliveryDetailOf(c, delivery.Viewer{}, staffDeliveryPath+"/projects", id)
	if err != nil {
		return err
	}
	d.Back = staffDeliveryPath
	d.Evaluate = d.Evaluation == delivery.Evaluating
	return c.render(status, "delivery_detail", &view{Title: "delivery.detail_title", Active: staffDeliveryPath, Form: f, Data: d})
}

func (h *handler) staffDeliveryProjectPage(c *call) error {
	return h.renderStaffDeliveryProject(c, http.StatusOK, c.r.PathValue("id"), newForm(nil))
}

// evaluateDelivery records the evaluator's score and decision.
func (h *handler) evaluateDelivery(c *call) error {
	id := c.r.PathValue("id")
	f := newForm(c.postForm())
	verdict := delivery.Verdict{Comment: f.Get("comment")}
	switch f.Get("result") {
	case delivery.Passed:
		verdict.Pass = true
	case delivery.Rejected:
	default:
		f.fieldError("result", c.t("delivery.result_required"))
	}
	score, err := strconv.Atoi(f.Get("score"))
	if err != nil {
		f.fieldError("score", c.t("delivery.score_range"))
	}
	verdict.Score = score
	var saved *delivery.Project
	if err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		saved, err = delivery.Evaluate(ctx, tx, c.p.ActorName(), id, verdict)
		return err
	}); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderStaffDeliveryProject(c, http.StatusUnprocessableEntity, id, f)
	}
	return c.done("delivery.evaluated."+saved.Evaluation, staffDeliveryPath+"/projects/"+id, saved.Code)
}

// runsView is the sampling tab: the settings, a run by hand, and the runs.
type runsView struct {
	Tab      string
	Tabs     []tab
	Settings delivery.Settings
	Rate     string // the configured rate in percent
	Waiting  int    // accepted projects awaiting sampling
	Runs     []runRow
	Pager    pager
}

type runRow struct {
	*delivery.Run
	Rate, RunBy, Href string
}

// ratePercent shows basis points as a percentage: 1000 → 10, 125 → 1.25.
func ratePercent(bp int) string {
	s := strconv.FormatFloat(float64(bp)/100, 'f', 2, 64)
	return strings.TrimSuffix(strings.TrimSuffix(s, "0"), ".0")
}

// parseRatePercent reads a percentage with up to two decimals as basis points.
func parseRatePercent(s string) (int, bool) {
	whole, frac, _ := strings.Cut(strings.TrimSuffix(strings.TrimSpace(s), "%"), ".")
	if len(frac) > 2 {
		return 0, false
	}
	w, err := strconv.Atoi(whole)
	if err != nil || w < 0 {
		return 0, false
	}
	f := 0
	if frac != "" {
		if f, err = strconv.Atoi(frac + strings.Repeat("0", 2-len(frac))); err != nil || f < 0 {
			return 0, false
		}
	}
	return w*100 + f, true
}

func (c *call) runRow(r *delivery.Run) runRow {
	by := r.RunBy
	if by == delivery.RunByJob {
		by = c.t("delivery.run_by_job")
	}
	return runRow{Run: r, Rate: ratePercent(r.RateBP), RunBy: by, Href: staffDeliveryPath + "/runs/" + r.ID}
}

func (h *handler) samplingRunsPage(c *call) error {
	return h.renderRuns(c, http.StatusOK, newForm(nil))
}

func (h *handler) renderRuns(c *call, status int, f *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	v := &runsView{Tab: "runs", Tabs: c.staffDeliveryTabs("runs")}
	var err error
	if v.Settings, err = delivery.GetSettings(ctx, q); err != nil {
		return err
	}
	v.Rate = ratePercent(v.Settings.RateBP)
	if _, v.Waiting, err = delivery.List(ctx, q, delivery.Filter{Evaluation: delivery.AwaitingSampling, Limit: 1}); err != nil {
		return err
	}
	page, offset := pageOf(c.r)
	runs, total, err := delivery.Runs(ctx, q, offset, pageSize)
	if err != nil {
		return err
	}
	for _, r := range runs {
		v.Runs = append(v.Runs, c.runRow(r))
	}
	v.Pager = newPager(c.r, page, total)
	if f.Get("rate") == "" && f.Get("interval_days") == "" && f.ok() {
		f.Values.Set("interval_days", strconv.Itoa(v.Settings.IntervalDays))
		f.Values.Set("settings_rate", v.Rate)
	}
	return c.render(status, "delivery_staff", &view{Title: "nav.staff_delivery", Active: staffDeliveryPath, Form: f, Data: v})
}

// runSampling samples the projects awaiting it now, at the rate given (the
// configured one when empty) and with the seed given (a random one when
// empty: a seed chosen by hand lets an auditor reproduce a published draw).
func (h *handler) runSampling(c *call) error {
	f := newForm(c.postForm())
	rate := 0
	if s := f.Get("rate"); s != "" {
		bp, ok := parseRatePercent(s)
		if !ok {
			f.fieldError("rate", c.t("delivery.rate_range"))
		}
		rate = bp
		if ok && bp == 0 {
			f.fieldError("rate", c.t("delivery.rate_range"))
		}
	}
	seed := f.Get("seed")
	if len(seed) > 128 {
		f.fieldError("seed", c.t("delivery.seed_invalid"))
	}
	var run *delivery.Run
	if err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		run, err = delivery.Sample(ctx, tx, c.p.ActorName(), rate, seed)
		return err
	}); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderRuns(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("delivery.sampled", staffDeliveryPath+"/runs/"+run.ID, run.Code)
}

// saveSamplingSettings stores the rate and the interval of the periodic run.
func (h *handler) saveSamplingSettings(c *call) error {
	f := newForm(c.postForm())
	s := delivery.Settings{}
	bp, ok := parseRatePercent(f.Get("settings_rate"))
	if !ok {
		f.fieldError("settings_rate", c.t("delivery.rate_range"))
	}
	s.RateBP = bp
	days, err := strconv.Atoi(f.Get("interval_days"))
	if err != nil {
		f.fieldError("interval_days", c.t("delivery.interval_range"))
	}
	s.IntervalDays = days
	if err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		return delivery.SaveSettings(ctx, tx, c.p.ActorName(), s)
	}); err != nil {
		return err
	}
	if !f.ok() {
		// The domain names the field "rate"; on this form it is settings_rate.
		if msg, ok := f.Errors["rate"]; ok {
			delete(f.Errors, "rate")
			f.fieldError("settings_rate", msg)
		}
		return h.renderRuns(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("delivery.settings_saved", staffDeliveryPath+"/runs")
}

// runView is one run: its parameters, the verification and the projects.
type runView struct {
	runRow
	Verified    bool
	VerifyError string
	Drawn       []deliveryRow
	DrawnPager  pager
	Candidates  []string // the first maxListedCandidates
	More        int      // candidates not listed
	Command     string   // how to recompute one score in a shell
}

// maxListedCandidates keeps a large run's page small; the whole list is in
// the database and its digest on the page.
const maxListedCandidates = 1000

func (h *handler) samplingRunPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	r, err := delivery.GetRun(ctx, q, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	v := &runView{runRow: c.runRow(r), Candidates: r.Candidates}
	if len(v.Candidates) > maxListedCandidates {
		v.Candidates, v.More = v.Candidates[:maxListedCandidates], len(r.Candidates)-maxListedCandidates
	}
	// The draw is re-run from the stored seed each time the page opens.
	if err := delivery.Verify(r); err != nil {
		v.VerifyError = err.Error()
	} else {
		v.Verified = true
	}
	page, offset := pageOf(c.r)
	list, total, err := delivery.List(ctx, q, delivery.Filter{RunID: r.ID, Sampled: true, Offset: offset, Limit: pageSize})
	if err != nil {
		return err
	}
	for _, p := range list {
		v.Drawn = append(v.Drawn, c.deliveryRow(p, staffDeliveryPath+"/projects"))
	}
	v.DrawnPager = newPager(c.r, page, total)
	if len(r.Candidates) > 0 {
		v.Command = "printf '%s:%s' " + r.Seed + " " + r.Candidates[0] + " | sha256sum"
	}
	return c.render(http.StatusOK, "delivery_staff_run", &view{Title: "delivery.run_title", Active: staffDeliveryPath, Form: newForm(nil), Data: v})
}
