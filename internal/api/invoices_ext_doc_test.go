package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"partnercenter/internal/funds"
	"partnercenter/internal/incentive"
	"partnercenter/internal/invoice"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/openapi"
)

// The invoice and incentive operations answer what the API document says:
// each answer, taken as the server sends it, satisfies the documented 200
// schema's types, enumerations and required properties, so a platform
// generated from the document reads every field it is promised.
func TestInvoiceAndIncentiveAnswersMatchTheDocument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newIncFixture(t, db)
		var d exDoc
		if err := json.Unmarshal(openapi.JSON, &d); err != nil {
			t.Fatal(err)
		}
		srv := f.start(t, server.New(f.app))
		answer := func(operationID, method, path string, body any) json.RawMessage {
			t.Helper()
			var raw []byte
			if body != nil {
				raw, _ = json.Marshal(body)
			}
			a := call(t, srv, f.plainKey, f.plain.DomainID, method, path, raw, nil)
			if a.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", operationID, a.Status, a.Body)
			}
			for _, methods := range d.Paths {
				for _, op := range methods {
					if op.OperationID == operationID {
						if err := d.check(op.Responses["200"].Content["application/json"].Schema, a.Body, "answer"); err != nil {
							t.Errorf("%s: the answer does not match the document: %v\n%s", operationID, err, a.Body)
						}
						return a.Body
					}
				}
			}
			t.Fatalf("%s is not in the document", operationID)
			return nil
		}
		id := func(raw json.RawMessage, field string) string {
			var m map[string]any
			_ = json.Unmarshal(raw, &m)
			s, _ := m[field].(string)
			return s
		}

		// Invoices, with a request issued so that every field has a value.
		info := id(answer("CreateInvoiceInfo", "POST", "/v2/partners/invoices/infos", specialInfo()), "info_id")
		answer("UpdateInvoiceInfo", "PUT", "/v2/partners/invoices/infos/"+info, map[string]string{"phone": "021-55550188"})
		answer("ListInvoiceInfos", "GET", "/v2/partners/invoices/infos", nil)
		answer("ShowInvoiceInfo", "GET", "/v2/partners/invoices/infos/"+info, nil)
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := funds.Recharge(ctx, tx, f.plain.ID, 500_00, "bank_transfer", "BANK-DOC", "")
			return err
		})
		answer("ShowInvoiceableAmount", "GET", "/v2/partners/invoices/invoiceable-amount", nil)
		req := id(answer("CreateInvoiceRequest", "POST", "/v2/partners/invoices/requests", map[string]string{"info_id": info, "amount": "100.00"}), "request_id")
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			if _, err := invoice.Approve(ctx, tx, req); err != nil {
				return err
			}
			_, err := invoice.Issue(ctx, tx, req, "87654321")
			return err
		})
		answer("ShowInvoiceRequest", "GET", "/v2/partners/invoices/requests/"+req, nil)
		answer("SignInvoiceRequest", "POST", "/v2/partners/invoices/requests/"+req+"/sign", nil)
		answer("ReturnInvoiceRequest", "POST", "/v2/partners/invoices/requests/"+req+"/return", map[string]string{"reason": "抬头有误"})
		answer("ListInvoiceRequests", "GET", "/v2/partners/invoices/requests?status=returned", nil)

		// Incentives.
		var statements struct {
			Statements []struct {
				ID string `json:"statement_id"`
			} `json:"statements"`
		}
		_ = json.Unmarshal(answer("ListIncentiveStatements", "GET", "/v2/partners/incentives/statements", nil), &statements)
		older := statements.Statements[1].ID
		answer("ShowIncentiveStatement", "GET", "/v2/partners/incentives/statements/"+older, nil)
		var confirmed struct {
			Payout struct {
				ID string `json:"payout_id"`
			} `json:"payout"`
		}
		_ = json.Unmarshal(answer("ConfirmIncentiveStatement", "POST", "/v2/partners/incentives/statements/"+older+"/confirm", nil), &confirmed)
		payout := confirmed.Payout.ID
		answer("ListIncentiveDetails", "GET", "/v2/partners/incentives/details", nil)
		answer("ApplyIncentivePayout", "POST", "/v2/partners/incentives/payouts/"+payout+"/apply", map[string]string{"method": "bank_transfer"})
		answer("ListIncentivePayouts", "GET", "/v2/partners/incentives/payouts", nil)
		answer("ShowIncentivePayout", "GET", "/v2/partners/incentives/payouts/"+payout, nil)
		answer("ShowIncentivePayoutSettings", "GET", "/v2/partners/incentives/payout-settings", nil)
		answer("UpdateIncentivePayoutSettings", "PUT", "/v2/partners/incentives/payout-settings", map[string]any{"auto_apply": true, "method": "voucher_quota"})
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := incentive.ApprovePayout(ctx, tx, payout, "finance")
			return err
		})
		answer("SubmitIncentivePayoutInvoice", "POST", "/v2/partners/incentives/payouts/"+payout+"/invoice", map[string]string{"invoice_number": "24312000000012345678"})
	})
}
