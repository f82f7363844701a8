package console

import (
	"strings"

	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/i18n"
)

// funnelChart is the partner's pipeline drawn as inline SVG: one centred
// bar per sales stage, its width by the stage's estimated amount (by its
// count when nothing has an amount), with the figures beside it and again
// in a table for whoever does not see the drawing.
type funnelChart struct {
	Title, Desc   string
	Width, Height int
	Bars          []funnelBar
}

type funnelBar struct {
	Stage, Label string
	Count        int
	Amount       int64
	X, Y, W, H   float64
	TextX, TextY float64
	Figure       string
	Lost         bool
}

const (
	funnelWidth  = 720
	funnelBarH   = 34
	funnelGap    = 8
	funnelLabelW = 90  // the stage names on the left
	funnelTextW  = 200 // the figures on the right
)

// funnel draws the stages Funnel returned, the open ones and won as the
// funnel, lost apart below it.
func (c *call) funnel(stages []opportunity.FunnelStage) *funnelChart {
	ch := &funnelChart{Title: c.t("opps.funnel"), Width: funnelWidth}
	var maxAmount int64
	maxCount := 0
	for _, s := range stages {
		maxAmount, maxCount = max(maxAmount, s.Amount), max(maxCount, s.Count)
	}
	span := float64(funnelWidth - funnelLabelW - funnelTextW)
	var parts []string
	for i, s := range stages {
		share := 0.0
		switch {
		case maxAmount > 0:
			share = float64(s.Amount) / float64(maxAmount)
		case maxCount > 0:
			share = float64(s.Count) / float64(maxCount)
		}
		w := max(4, share*span)
		y := float64(i*(funnelBarH+funnelGap) + funnelGap)
		b := funnelBar{Stage: s.Stage, Label: c.t(oppStageKey(s.Stage)), Count: s.Count, Amount: s.Amount,
			X: funnelLabelW + (span-w)/2, Y: y, W: w, H: funnelBarH, TextX: funnelLabelW + span + 10, TextY: y + funnelBarH/2 + 4,
			Lost: s.Stage == opportunity.StageLost}
		b.Figure = c.t("opps.funnel_item", b.Label, s.Count, i18n.Amount(s.Amount))
		parts = append(parts, b.Figure)
		ch.Bars = append(ch.Bars, b)
	}
	ch.Height = len(stages)*(funnelBarH+funnelGap) + funnelGap
	ch.Desc = c.t("opps.funnel_desc", strings.Join(parts, c.t("opps.funnel_sep")))
	return ch
}
