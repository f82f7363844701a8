package console

import (
	"strconv"

	"partnercenter/internal/bill"
	"partnercenter/internal/platform/i18n"
)

// The consumption trend is drawn on the server as an inline SVG bar chart:
// no script, and the page's content security policy stays strict (only
// presentation attributes, no style). The chart has a title and a
// description for assistive technology, each bar a tooltip, and the figures
// are in a table beside it.

// trendChart is the chart's geometry and figures.
type trendChart struct {
	Title, Desc   string
	Width, Height int
	Bars          []chartBar
	Ticks         []chartTick
	BaseY         float64 // the zero line
	Left, Right   float64
	Months        []trendMonth
	Total         int64
}

type chartBar struct {
	X, Y, W, H float64
	LabelX     float64
	LabelY     float64
	Label      string // the month under the bar: "12" or "2026-01" at a year's start
	Tip        string // "2026-12: 1,234.56"
}

type chartTick struct {
	Y            float64
	TextX, TextY float64
	Label        string
}

type trendMonth struct {
	Month  string
	Amount int64
	Count  int64
}

const (
	chartWidth, chartHeight = 760, 260
	chartLeft, chartRight   = 84.0, 12.0
	chartTop, chartBottom   = 16.0, 36.0
	chartTicks              = 4
)

func newTrendChart(c *call, title string, months []bill.MonthSum) *trendChart {
	ch := &trendChart{Title: title, Width: chartWidth, Height: chartHeight, Left: chartLeft, Right: chartWidth - chartRight}
	var peak int64
	for _, m := range months {
		peak = max(peak, m.Amount)
		ch.Total += m.Amount
		ch.Months = append(ch.Months, trendMonth{Month: m.Month.String(), Amount: m.Amount, Count: m.Count})
	}
	top := niceCeil(peak)
	plotH := chartHeight - chartTop - chartBottom
	ch.BaseY = chartTop + plotH
	for i := 0; i <= chartTicks; i++ {
		v := top * int64(i) / chartTicks
		y := ch.BaseY - plotH*float64(i)/chartTicks
		ch.Ticks = append(ch.Ticks, chartTick{Y: y, TextX: ch.Left - 6, TextY: y + 4, Label: i18n.Amount(v)})
	}
	step := (ch.Right - ch.Left) / float64(max(len(months), 1))
	for i, m := range months {
		h := 0.0
		if m.Amount > 0 {
			h = plotH * float64(m.Amount) / float64(top)
		}
		label := strconv.Itoa(m.Month.Num())
		if i == 0 || m.Month.Num() == 1 {
			label = m.Month.String()
		}
		x := ch.Left + step*float64(i)
		ch.Bars = append(ch.Bars, chartBar{X: x + step*0.15, W: step * 0.7, Y: ch.BaseY - h, H: h, LabelX: x + step/2, LabelY: ch.BaseY + 18, Label: label,
			Tip: m.Month.String() + "：" + i18n.Amount(m.Amount)})
	}
	first, last := "", ""
	if len(months) > 0 {
		first, last = months[0].Month.String(), months[len(months)-1].Month.String()
	}
	ch.Desc = c.t("consumption.trend.desc", first, last, i18n.Amount(ch.Total), i18n.Amount(peak))
	return ch
}

// niceCeil rounds an amount in fen up to 1, 2 or 5 times a power of ten
// yuan, so the axis reads in round figures; at least 1 yuan.
func niceCeil(fen int64) int64 {
	step := int64(100)
	for {
		for _, m := range []int64{1, 2, 5} {
			if fen <= step*m {
				return step * m
			}
		}
		step *= 10
	}
}
