package console

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"partnercenter/internal/exports"
	"partnercenter/internal/funds"
	"partnercenter/internal/platform/i18n"
)

// TestFundsMessageKeys checks the keys 资金管理 and 财务 build from values
// (trade types, statuses, operations...) and the keys of the line problems
// funds' batch check records, which are data rather than errors and so
// escape TestEveryMessageKeyExists.
func TestFundsMessageKeys(t *testing.T) {
	used := map[string]string{}
	add := func(where string, key func(string) string, values ...string) {
		for _, v := range values {
			used[key(v)] = where
		}
	}
	add("funds.TradeTypes", tradeKey, funds.TradeTypes...)
	add("adjustmentOps", opKey, adjustmentOps...)
	add("withdrawal statuses", withdrawalKey, withdrawalStatuses...)
	add("export statuses", exportStatusKey, exports.Queued, exports.Running, exports.Done, exports.Failed)
	add("batch statuses", batchStatusKey, funds.BatchPreview, funds.BatchQueued, funds.BatchRunning, funds.BatchDone, funds.BatchCancelled)
	add("row statuses", rowStatusKey, funds.RowInvalid, funds.RowPending, funds.RowOK, funds.RowFailed)
	add("funds.BatchOperations", batchOpKey, funds.BatchOperations...)
	add("rechargeMethods", methodKey, rechargeMethods...)
	add("decisions", decisionKey, decideApprove, decideReject)
	for _, key := range exportTitles {
		used[key] = "exportTitles"
	}
	for name, f := range summaryFields {
		used[f.label] = "summaryFields " + name
	}
	eachGoFile(t, "../funds", func(path string, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, _ := strconv.Unquote(lit.Value); strings.HasPrefix(s, "funds.") && keyShaped.MatchString(s) {
					used[s] = path
				}
			}
			return true
		})
	})
	for key, where := range used {
		for _, lang := range i18n.Langs {
			if s, ok := i18n.Text(lang, key); !ok || s == "" {
				t.Errorf("message %q (from %s) has no %s text", key, where, lang)
			}
		}
	}
}
