package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"partnercenter/internal/delivery"
	"partnercenter/internal/ledger"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/openapi"
)

// documented sends a request as the plain reseller and checks that the
// answer has the status wanted and satisfies the schema the document gives
// for it (types, enumerations, required properties), so that a platform
// generated from the document reads every field it is promised.
func (f *solFixture) documented(t *testing.T, d *exDoc, operationID string, status int, method, path string, body any, header http.Header) json.RawMessage {
	t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	a := call(t, f.srv, f.plainKey, f.plain.DomainID, method, path, raw, header)
	if a.Status != status {
		t.Fatalf("%s: %d %s, want %d", operationID, a.Status, a.Body, status)
	}
	for _, methods := range d.Paths {
		for _, op := range methods {
			if op.OperationID != operationID {
				continue
			}
			resp := op.Responses[strconv.Itoa(status)]
			media, ok := resp.Content["application/json"]
			if !ok {
				t.Fatalf("%s: the document gives no schema of its %d answer", operationID, status)
			}
			if err := d.check(media.Schema, a.Body, "answer"); err != nil {
				t.Errorf("%s: the %d answer does not match the document: %v\n%s", operationID, status, err, a.Body)
			}
			return a.Body
		}
	}
	t.Fatalf("%s is not in the document", operationID)
	return nil
}

// answerField reads a string field of an answer.
func answerField(t *testing.T, raw json.RawMessage, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[name].(string)
	if s == "" {
		t.Fatalf("no %s in %s", name, raw)
	}
	return s
}

// Every solution, configurator and delivery operation answers what the API
// document says, the refusals with a schema of their own included.
func TestSolutionAndDeliveryAnswersMatchTheDocument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCfgFixture(t, db)
		var d exDoc
		if err := json.Unmarshal(openapi.JSON, &d); err != nil {
			t.Fatal(err)
		}
		ok := func(op, method, path string, body any) json.RawMessage {
			t.Helper()
			return f.documented(t, &d, op, http.StatusOK, method, path, body, nil)
		}
		content := base64.StdEncoding.EncodeToString(extPDF)

		// Solutions, from a draft through a refused and an accepted
		// submission to the PSA's return.
		sol := answerField(t, ok("CreateSolution", "POST", "/v2/partners/solutions", map[string]string{"name": "文档方案"}), "solution_id")
		path := "/v2/partners/solutions/" + sol
		f.documented(t, &d, "SubmitSolution", http.StatusBadRequest, "POST", path+"/submit", nil, nil)
		ok("UpdateSolution", "PUT", path, map[string]string{"industry": "finance", "description": "described"})
		ok("AddSolutionMaterial", "POST", path+"/materials", map[string]string{"kind": "approval_materials", "file_name": "a.pdf", "content": content})
		material := answerField(t, ok("AddSolutionMaterial", "POST", path+"/materials", map[string]string{"kind": "feature_list", "file_name": "f.pdf", "content": content}), "material_id")
		ok("DownloadSolutionMaterial", "GET", path+"/materials/"+material, nil)
		ok("CreateSolutionMessage", "POST", path+"/messages", map[string]string{"body": "请协助"})
		ok("ListSolutionMessages", "GET", path+"/messages", nil)
		// The same request as the refused one: sent with a key, as a
		// platform does to repeat a mutation within the second.
		f.documented(t, &d, "SubmitSolution", http.StatusOK, "POST", path+"/submit", nil, http.Header{"Idempotency-Key": {"doc-submit"}})
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Move(ctx, tx, solution.Actor{Side: solution.PSA, Name: "psa"}, sol, solution.Return, "补充材料")
			return err
		})
		ok("ShowSolution", "GET", path, nil)
		ok("ListSolutions", "GET", "/v2/partners/solutions?status=returned", nil)
		ok("DeleteSolutionMaterial", "DELETE", path+"/materials/"+material, nil)

		// Configurators and lists, with an evaluation's refusal.
		ok("ListSolutionConfigurators", "GET", "/v2/partners/solution-configurators", nil)
		cfgPath := "/v2/partners/solution-configurators/" + f.published.ID
		ok("ShowSolutionConfigurator", "GET", cfgPath, nil)
		ok("EvaluateSolutionConfigurator", "POST", cfgPath+"/evaluate", map[string]any{"values": map[string]string{"users": "1000", "ha": "yes"}})
		f.documented(t, &d, "EvaluateSolutionConfigurator", http.StatusBadRequest, "POST", cfgPath+"/evaluate", map[string]any{"values": map[string]string{"users": "20"}}, nil)
		list := answerField(t, ok("CreateConfigurationList", "POST", "/v2/partners/configuration-lists", map[string]any{"configurator_id": f.published.ID,
			"name": "文档清单", "values": map[string]string{"users": "500"}}), "list_id")
		ok("ListConfigurationLists", "GET", "/v2/partners/configuration-lists", nil)
		var opp string
		projects := f.deliveryProjects(t, f.plain, 1)
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			p, err := delivery.Get(ctx, tx, delivery.Viewer{}, projects[0])
			opp = p.OpportunityID
			return err
		})
		ok("LinkConfigurationList", "POST", "/v2/partners/configuration-lists/"+list+"/link", map[string]string{"opportunity_id": opp})
		ok("ShowConfigurationList", "GET", "/v2/partners/configuration-lists/"+list, nil)
		ok("SubmitConfigurationList", "POST", "/v2/partners/configuration-lists/"+list+"/submit", nil)

		// Delivery, through a run that draws every candidate and a verdict.
		projPath := "/v2/partners/delivery-projects/" + projects[0]
		ok("ListDeliveryProjects", "GET", "/v2/partners/delivery-projects", nil)
		ok("SubmitDeliveryFeedback", "POST", projPath+"/feedback", map[string]string{"status": "accepted",
			"date": time.Now().In(ledger.BillingZone).Format("2006-01-02")})
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := delivery.Sample(ctx, tx, "evaluator", 10000, "")
			return err
		})
		ok("ShowDeliverySampling", "GET", projPath+"/sampling", nil)
		sow := answerField(t, ok("UploadDeliveryEvidenceFile", "POST", projPath+"/evidence-files", map[string]string{"file_name": "sow.pdf", "content": content}), "file_id")
		acceptance := answerField(t, ok("UploadDeliveryEvidenceFile", "POST", projPath+"/evidence-files", map[string]string{"file_name": "acc.pdf", "content": content}), "file_id")
		ok("SubmitDeliveryEvidence", "POST", projPath+"/evidence", map[string]any{"note": "done", "files": map[string][]string{"sow": {sow}, "acceptance": {acceptance}}})
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := delivery.Evaluate(ctx, tx, "evaluator", projects[0], delivery.Verdict{Score: 90, Pass: true})
			return err
		})
		ok("ShowDeliveryProject", "GET", projPath, nil)
	})
}
