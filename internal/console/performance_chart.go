package console

import (
	"bytes"
	"html/template"
	"strconv"

	"partnercenter/internal/bill"
	"partnercenter/internal/platform/i18n"
)

// The 业绩 chart is drawn like the consumption trend (consumption_chart.go):
// inline SVG on the server, bars with tooltips, a title and a description,
// the figures in a table beside it. It groups several series (consumption,
// incentives) per month, each with its colour and a legend. The 业绩 page
// and the partner home page both show it, so it is rendered here into
// HTML from performance_chart.html rather than from either page's file.

// barChart is a grouped bar chart of amounts in fen per month.
type barChart struct {
	ID            string // prefix of the element ids, unique in the page
	Title, Desc   string
	Width, Height int
	Left, Right   float64
	BaseY         float64
	Ticks         []chartTick
	Series        []chartSeries
	Labels        []chartTick // the months under the groups
	Months        []string
}

// chartSeries is one series: its name, colour, bars and figures.
type chartSeries struct {
	Name, Color string
	// LegendX and LegendTextX place the legend's swatch and name, top right.
	LegendX, LegendTextX float64
	Bars                 []chartBar
	Values               []int64
	Total                int64
}

// seriesOf is a series to draw: a name and one amount per month.
type seriesOf struct {
	Name, Color string
	Values      []int64
}

func newBarChart(c *call, id, title string, months []bill.Month, series ...seriesOf) *barChart {
	ch := &barChart{ID: id, Title: title, Width: chartWidth, Height: chartHeight, Left: chartLeft, Right: chartWidth - chartRight}
	var peak int64
	for _, s := range series {
		for _, v := range s.Values {
			peak = max(peak, v)
		}
	}
	top := niceCeil(peak)
	plotH := chartHeight - chartTop - chartBottom
	ch.BaseY = chartTop + plotH
	for i := 0; i <= chartTicks; i++ {
		y := ch.BaseY - plotH*float64(i)/chartTicks
		ch.Ticks = append(ch.Ticks, chartTick{Y: y, TextX: ch.Left - 6, TextY: y + 4, Label: i18n.Amount(top * int64(i) / chartTicks)})
	}
	step := (ch.Right - ch.Left) / float64(max(len(months), 1))
	barW := step * 0.7 / float64(max(len(series), 1))
	for i, m := range months {
		x := ch.Left + step*float64(i)
		label := strconv.Itoa(m.Num())
		if i == 0 || m.Num() == 1 {
			label = m.String()
		}
		ch.Months = append(ch.Months, m.String())
		ch.Labels = append(ch.Labels, chartTick{TextX: x + step/2, TextY: ch.BaseY + 18, Label: label})
	}
	for si, s := range series {
		// Legends stand side by side from the right, 120 units each.
		cs := chartSeries{Name: s.Name, Color: s.Color, Values: s.Values, LegendX: ch.Right - 120*float64(len(series)-si)}
		cs.LegendTextX = cs.LegendX + 14
		for i, v := range s.Values {
			h := 0.0
			if v > 0 {
				h = plotH * float64(v) / float64(top)
			}
			x := ch.Left + step*float64(i) + step*0.15 + barW*float64(si)
			cs.Bars = append(cs.Bars, chartBar{X: x, W: barW, Y: ch.BaseY - h, H: h, Tip: s.Name + " " + months[i].String() + "：" + i18n.Amount(v)})
			cs.Total += v
		}
		ch.Series = append(ch.Series, cs)
	}
	first, last := "", ""
	if len(months) > 0 {
		first, last = months[0].String(), months[len(months)-1].String()
	}
	var totals bytes.Buffer
	for i, s := range ch.Series {
		if i > 0 {
			totals.WriteString(c.t("performance.chart.sep"))
		}
		totals.WriteString(c.t("performance.chart.series_total", s.Name, i18n.Amount(s.Total)))
	}
	ch.Desc = c.t("performance.chart.desc", first, last, totals.String())
	return ch
}

// html renders the chart for a page.
func (ch *barChart) html(c *call) (template.HTML, error) {
	tmpl := c.h.pages[c.lang]["performance_chart"]
	if tmpl == nil {
		tmpl = c.h.pages[i18n.Default]["performance_chart"]
	}
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, "bar_chart", ch); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}
