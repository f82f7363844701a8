package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"partnercenter/internal/store/storetest"
)

// bench mixed against one node named twice, as it would name several: every
// request of each class succeeds, the report gives each class its rate and
// percentiles, and the ledger balances afterwards.
func TestBenchMixed(t *testing.T) {
	benchDemoServer(t, storetest.SQLiteDSN(t), func(addr string, vals map[string]string) {
		var report bytes.Buffer
		err := run(context.Background(), []string{"bench", "mixed", "--targets", addr + "," + addr + "/", "--ak", vals["AK"], "--sk", vals["SK"],
			"--domain-id", vals["DOMAIN_ID"], "--xaccount-type", vals["XACCOUNT_TYPE"], "--clients", "4", "--duration", "1500ms"}, &report, io.Discard)
		if err != nil {
			t.Fatalf("bench: %v\n%s", err, report.String())
		}
		for _, want := range []string{`reads 80 % / money 15 % / other writes 5 %`, `errors 0\)`, `(?m)^read +[1-9]\d* \(.*p99`,
			`(?m)^money +[1-9]\d* \(.*p99`, `(?m)^write +[1-9]\d* \(.*p99`} {
			if !regexp.MustCompile(want).MatchString(report.String()) {
				t.Errorf("report does not match %q:\n%s", want, report.String())
			}
		}
		if strings.Contains(report.String(), "error ") {
			t.Errorf("report lists errors:\n%s", report.String())
		}
	})
}

func TestBenchMixedRefusesBadFlags(t *testing.T) {
	key := []string{"--ak", "a", "--sk", "s", "--domain-id", "d"}
	for _, args := range [][]string{
		{"bench", "mixed", "--xaccount-type", "x"},
		append([]string{"bench", "mixed"}, key...),
		append([]string{"bench", "mixed", "--xaccount-type", "x", "--clients", "0"}, key...),
		append([]string{"bench", "mixed", "--xaccount-type", "x", "--amount", "-1"}, key...),
		append([]string{"bench", "mixed", "--xaccount-type", "x", "--targets", " , "}, key...),
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
