package catalogue_test

import (
	"context"
	"testing"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func fieldOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Field
	}
	return ""
}

func TestSaveValidatesAndPrices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: "ec2", NameZh: "x", NameEn: "x"}); fieldOf(err) != "code" {
				t.Errorf("service type code: %v", err)
			}
			if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: "hws.service.type.ec2", NameZh: "弹性云服务器", NameEn: "ECS"}); err != nil {
				return err
			}
			if err := catalogue.SaveRegion(ctx, tx, catalogue.Region{Code: "cn-north-4", NameZh: "华北-北京四", NameEn: "Beijing 4"}); err != nil {
				return err
			}
			p := &catalogue.Product{ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "hws.resource.type.vm", SpecCode: "s6.small",
				SpecZh: "s6.small", SpecEn: "s6.small", Regions: []string{"cn-north-4"}, MonthlyPrice: 99_50, UsageUnit: "hour", UsageRate: 12_345_678, OnSale: true}
			if err := catalogue.Save(ctx, tx, p); err != nil {
				return err
			}
			dup := *p
			dup.ID = ""
			if err := catalogue.Save(ctx, tx, &dup); fieldOf(err) != "spec_code" {
				t.Errorf("duplicate spec: %v", err)
			}
			bad := *p
			bad.ID, bad.SpecCode, bad.Regions = "", "s6.other", []string{"mars-1"}
			if err := catalogue.Save(ctx, tx, &bad); fieldOf(err) != "regions" {
				t.Errorf("unknown region: %v", err)
			}
			bad.Regions, bad.MonthlyPrice, bad.UsageUnit, bad.UsageRate = nil, 0, "", 0
			if err := catalogue.Save(ctx, tx, &bad); fieldOf(err) != "monthly_price" {
				t.Errorf("no price: %v", err)
			}
			got, err := catalogue.Get(ctx, tx, p.ID)
			if err != nil {
				return err
			}
			if !got.SoldIn("cn-north-4") || got.SoldIn("cn-east-3") || !got.PayPerUse() || got.UsageRate != 12_345_678 {
				t.Errorf("stored product %+v", got)
			}
			if price, err := got.LinePrice(catalogue.PeriodMonth, 3, 2); err != nil || price != 597_00 {
				t.Errorf("3 months × 2: %d %v", price, err)
			}
			if _, err := got.LinePrice(catalogue.PeriodYear, 1, 1); fieldOf(err) != "period_type" {
				t.Errorf("not sold by the year: %v", err)
			}
			if _, err := got.LinePrice(catalogue.PeriodMonth, 10, 1); fieldOf(err) != "period_num" {
				t.Errorf("10 months: %v", err)
			}
			if _, err := got.LinePrice(catalogue.PeriodMonth, 1, 0); fieldOf(err) != "quantity" {
				t.Errorf("quantity 0: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestFormatRateAndPeriods(t *testing.T) {
	for rate, want := range map[int64]string{12_345_678: "0.12345678", 100_000_000: "1", 4_000_000: "0.04", 1: "0.00000001", 0: "0"} {
		if got := catalogue.FormatRate(rate); got != want {
			t.Errorf("FormatRate(%d) = %s, want %s", rate, got, want)
		}
	}
	jan31 := time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	if got := catalogue.PeriodEnd(jan31, catalogue.PeriodYear, 1); !got.Equal(time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("a year from Jan 31: %v", got)
	}
	if got := catalogue.PeriodEnd(jan31, catalogue.PeriodMonth, 1); !got.Equal(time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("a month from Jan 31: %v", got)
	}
	leap := time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)
	if got := catalogue.PeriodEnd(leap, catalogue.PeriodYear, 1); !got.Equal(time.Date(2029, 2, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a year from 29 Feb: %v", got)
	}
}
