package solution_test

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/upload"
)

// pdf is the smallest body the upload sniffer takes for a PDF.
var pdf = []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// upload stores a material of the partner and returns its upload id.
func (f *fixture) upload(t *testing.T, p *partner.Partner, kind, name string) string {
	t.Helper()
	u, err := f.files.Save(context.Background(), upload.Upload{PartnerID: p.ID, Kind: solution.UploadKind(kind), Name: name,
		Body: bytes.NewReader(pdf)})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

type fixture struct {
	db           *store.DB
	files        *upload.Store
	p, other     *partner.Partner
	main, psa    *auth.User
	seller, psaA solution.Actor
	stranger     solution.Actor // the other partner's main account
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, files: upload.New(db, upload.Dir(t.TempDir()))}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if f.p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "builder", Type: partner.SolutionProvider, Stage: partner.Certified}); err != nil {
			return err
		}
		if f.other, err = partner.Create(ctx, tx, partner.NewPartner{Name: "other", Type: partner.SolutionProvider, Stage: partner.Certified}); err != nil {
			return err
		}
		if f.main, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: "builder-admin", DisplayName: "builder", PartnerID: f.p.ID, IsMain: true,
			Password: "Passw0rd!long"}); err != nil {
			return err
		}
		f.psa, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: "psa-1", DisplayName: "psa", Roles: []auth.Role{auth.StaffPSA}, Password: "Passw0rd!long"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.seller = solution.Actor{Side: solution.Partner, PartnerID: f.p.ID, UserID: f.main.ID, Name: "builder-admin"}
	f.psaA = solution.Actor{Side: solution.PSA, UserID: f.psa.ID, Name: "psa-1"}
	f.stranger = solution.Actor{Side: solution.Partner, PartnerID: f.other.ID, Name: "other-admin"}
	return f
}

func (f *fixture) tx(t *testing.T, fn func(ctx context.Context, tx *store.Tx) error) error {
	t.Helper()
	return f.db.InTx(context.Background(), func(tx *store.Tx) error { return fn(context.Background(), tx) })
}

// complete creates a draft with every field and file a submission needs.
func (f *fixture) complete(t *testing.T, name string) *solution.Solution {
	t.Helper()
	var s *solution.Solution
	uploads := map[string]string{}
	for _, kind := range solution.FileKinds {
		uploads[kind] = f.upload(t, f.p, kind, kind+".pdf")
	}
	err := f.tx(t, func(ctx context.Context, tx *store.Tx) (err error) {
		if s, err = solution.Create(ctx, tx, f.seller, solution.Fields{Name: name, Industry: "finance", Description: "core banking on cloud"}); err != nil {
			return err
		}
		for _, kind := range solution.FileKinds {
			if _, err = solution.Attach(ctx, tx, f.seller, s.ID, kind, uploads[kind]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) move(t *testing.T, a solution.Actor, id, action, reason string) (*solution.Solution, error) {
	t.Helper()
	var s *solution.Solution
	err := f.tx(t, func(ctx context.Context, tx *store.Tx) (err error) {
		s, err = solution.Move(ctx, tx, a, id, action, reason)
		return err
	})
	return s, err
}

func (f *fixture) mustMove(t *testing.T, a solution.Actor, id, action, reason, want string) {
	t.Helper()
	s, err := f.move(t, a, id, action, reason)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	if s.Status != want {
		t.Fatalf("%s: status %s, want %s", action, s.Status, want)
	}
}

// state is everything a refused change must leave as it was.
type state struct {
	S        *solution.Solution
	Timeline []solution.Event
	Files    []solution.File
	Thread   []solution.Message
	Inbox    int
}

func (f *fixture) state(t *testing.T, id string) state {
	t.Helper()
	ctx, q := context.Background(), f.db.Reader()
	s, err := solution.Get(ctx, q, solution.Viewer{}, id)
	if err != nil {
		t.Fatal(err)
	}
	st := state{S: s}
	if st.Timeline, err = solution.Timeline(ctx, q, id); err != nil {
		t.Fatal(err)
	}
	if st.Files, err = solution.Files(ctx, q, id); err != nil {
		t.Fatal(err)
	}
	if st.Thread, err = solution.Thread(ctx, q, id); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications`).Scan(&st.Inbox); err != nil {
		t.Fatal(err)
	}
	return st
}

func key(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Key
	}
	return ""
}

// refused asserts that err is the refusal wanted (by key, and field when
// given) and that the solution, its timeline, files, thread and the inbox
// are unchanged.
func (f *fixture) refused(t *testing.T, before state, err error, wantKey, wantField string) {
	t.Helper()
	if key(err) != wantKey {
		t.Fatalf("error %v (key %q), want %s", err, key(err), wantKey)
	}
	if e, _ := apperr.As(err); wantField != "" && e.Field != wantField {
		t.Fatalf("error on field %q, want %q", e.Field, wantField)
	}
	if after := f.state(t, before.S.ID); !reflect.DeepEqual(before, after) {
		t.Fatalf("a refused change changed the solution:\nbefore %+v\nafter  %+v", before, after)
	}
}

// The whole way from draft to published and offline, each transition in
// the timeline with its time, and the partner notified of each decision.
func TestLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		s := f.complete(t, "Smart branch")
		if s.Status != solution.Draft {
			t.Fatalf("new solution in %s", s.Status)
		}
		f.mustMove(t, f.seller, s.ID, solution.Submit, "", solution.JointApproval)
		f.mustMove(t, f.psaA, s.ID, solution.Return, "the feature list lacks the API", solution.Returned)
		returned, _ := solution.Get(context.Background(), db.Reader(), solution.Viewer{PartnerID: f.p.ID}, s.ID)
		if returned.ReturnReason != "the feature list lacks the API" {
			t.Fatalf("return reason %q", returned.ReturnReason)
		}
		err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Update(ctx, tx, f.seller, s.ID, solution.Fields{Name: "Smart branch", Industry: "finance", Description: "with the API"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		f.mustMove(t, f.seller, s.ID, solution.Submit, "", solution.JointApproval)
		f.mustMove(t, f.psaA, s.ID, solution.Approve, "", solution.JointDesign)
		f.mustMove(t, f.psaA, s.ID, solution.StartValidation, "", solution.JointValidation)
		f.mustMove(t, f.psaA, s.ID, solution.StartConfigurator, "", solution.ConfiguratorDev)
		var pub *solution.Solution
		if err := f.tx(t, func(ctx context.Context, tx *store.Tx) (err error) {
			pub, err = solution.PublishSignedOff(ctx, tx, f.psaA, s.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if pub.Status != solution.Published || pub.PublishedAt.IsZero() || pub.PSAUserID != f.psa.ID || pub.ApprovedAt.IsZero() {
			t.Fatalf("published: %+v", pub)
		}
		f.mustMove(t, f.psaA, s.ID, solution.TakeOffline, "replaced by a new version", solution.Offline)
		f.mustMove(t, f.psaA, s.ID, solution.Republish, "", solution.Published)

		st := f.state(t, s.ID)
		var moves [][3]string
		for _, e := range st.Timeline {
			if e.At.IsZero() || e.Actor == "" {
				t.Fatalf("event without time or actor: %+v", e)
			}
			if e.From != e.To {
				moves = append(moves, [3]string{e.Action, e.From, e.To})
			}
		}
		want := [][3]string{{"created", "", "draft"}, {"submit", "draft", "joint_approval"}, {"return", "joint_approval", "returned"},
			{"submit", "returned", "joint_approval"}, {"approve", "joint_approval", "joint_design"},
			{"start_validation", "joint_design", "joint_validation"}, {"start_configurator", "joint_validation", "configurator_dev"},
			{"publish", "configurator_dev", "published"}, {"take_offline", "published", "offline"}, {"republish", "offline", "published"}}
		if !reflect.DeepEqual(moves, want) {
			t.Fatalf("timeline\n%v\nwant\n%v", moves, want)
		}
		// The partner's main account heard of each of the PSA's 7 moves, by
		// the status it reached.
		rows, err := db.Reader().QueryContext(context.Background(), `SELECT kind FROM notifications WHERE user_id = ? ORDER BY created_at, id`, f.main.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for rows.Next() {
			var k string
			rows.Scan(&k)
			kinds = append(kinds, k)
		}
		rows.Close()
		wantKinds := []string{"solution.moved.returned", "solution.moved.joint_design", "solution.moved.joint_validation",
			"solution.moved.configurator_dev", "solution.moved.published", "solution.moved.offline", "solution.moved.published"}
		if !reflect.DeepEqual(kinds, wantKinds) {
			t.Fatalf("partner notifications %v", kinds)
		}
	})
}

// Which side may do what in each status is the table's answer.
func TestActions(t *testing.T) {
	cases := []struct {
		side   solution.Side
		status string
		want   []string
	}{
		{solution.Partner, solution.Draft, []string{solution.Submit}},
		{solution.Partner, solution.Returned, []string{solution.Submit}},
		{solution.Partner, solution.JointApproval, nil},
		{solution.PSA, solution.JointApproval, []string{solution.Approve, solution.Return}},
		{solution.PSA, solution.JointDesign, []string{solution.StartValidation}},
		{solution.PSA, solution.JointValidation, []string{solution.StartConfigurator}},
		{solution.PSA, solution.ConfiguratorDev, nil}, // publishing goes through the configurator's sign-off
		{solution.PSA, solution.Published, []string{solution.TakeOffline}},
		{solution.PSA, solution.Draft, nil},
	}
	for _, c := range cases {
		if got := solution.Actions(c.side, c.status); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s in %s: %v, want %v", c.side, c.status, got, c.want)
		}
	}
	for _, s := range solution.Statuses {
		if solution.AllowsConfiguratorDevelopment(s) != (s == solution.ConfiguratorDev) {
			t.Errorf("configurator development in %s: %v", s, solution.AllowsConfiguratorDevelopment(s))
		}
	}
}

// Every refusal names its reason and changes nothing: the wrong side, the
// wrong status, another partner's solution, a missing reason.
func TestRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		s := f.complete(t, "Retail cloud")
		before := f.state(t, s.ID)
		_, err := f.move(t, f.psaA, s.ID, solution.Approve, "")
		f.refused(t, before, err, "solution.wrong_status", "") // a draft is not in joint approval
		_, err = f.move(t, f.psaA, s.ID, solution.Submit, "")
		f.refused(t, before, err, "solution.wrong_side", "") // the PSA does not submit
		_, err = f.move(t, f.stranger, s.ID, solution.Submit, "")
		f.refused(t, before, err, "solution.not_found", "") // another partner's solution does not exist for it
		_, err = f.move(t, f.seller, s.ID, "launch", "")
		f.refused(t, before, err, "solution.action_invalid", "action")

		f.mustMove(t, f.seller, s.ID, solution.Submit, "", solution.JointApproval)
		before = f.state(t, s.ID)
		_, err = f.move(t, f.seller, s.ID, solution.Approve, "")
		f.refused(t, before, err, "solution.wrong_side", "") // a partner does not approve its own
		_, err = f.move(t, f.seller, s.ID, solution.Submit, "")
		f.refused(t, before, err, "solution.wrong_status", "") // already submitted
		_, err = f.move(t, f.psaA, s.ID, solution.Return, "  ")
		f.refused(t, before, err, "solution.reason_required", "reason")
		_, err = f.move(t, f.psaA, s.ID, solution.StartConfigurator, "")
		f.refused(t, before, err, "solution.wrong_status", "") // joint design and validation come first
		err = f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Update(ctx, tx, f.seller, s.ID, solution.Fields{Name: "changed"})
			return err
		})
		f.refused(t, before, err, "solution.not_editable", "")
		v2 := f.upload(t, f.p, solution.FeatureList, "v2.pdf")
		err = f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Attach(ctx, tx, f.seller, s.ID, solution.FeatureList, v2)
			return err
		})
		f.refused(t, before, err, "solution.not_editable", "")
		err = f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.PublishSignedOff(ctx, tx, f.psaA, s.ID)
			return err
		})
		f.refused(t, before, err, "solution.wrong_status", "") // publishing needs 配置器开发中

		// The other partner cannot see, edit or write to the thread either.
		if _, err := solution.Get(context.Background(), db.Reader(), solution.Viewer{PartnerID: f.other.ID}, s.ID); key(err) != "solution.not_found" {
			t.Fatalf("another partner's Get: %v", err)
		}
		err = f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Post(ctx, tx, f.stranger, s.ID, "hello")
			return err
		})
		f.refused(t, before, err, "solution.not_found", "")
		list, total, err := solution.List(context.Background(), db.Reader(), solution.Filter{Viewer: solution.Viewer{PartnerID: f.other.ID}})
		if err != nil || total != 0 || len(list) != 0 {
			t.Fatalf("another partner lists %d (%v)", total, err)
		}
	})
}

// A submission lacking fields or files is refused naming the first
// missing; MissingForSubmission names every one, in form order.
func TestSubmissionNeedsEverything(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		var s *solution.Solution
		if err := f.tx(t, func(ctx context.Context, tx *store.Tx) (err error) {
			s, err = solution.Create(ctx, tx, f.seller, solution.Fields{Name: "Bare"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		missing, err := solution.MissingForSubmission(context.Background(), db.Reader(), s)
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, m := range missing {
			fields = append(fields, m.Field)
		}
		if want := []string{"industry", "description", solution.ApprovalMaterials, solution.FeatureList}; !reflect.DeepEqual(fields, want) {
			t.Fatalf("missing %v, want %v", fields, want)
		}
		before := f.state(t, s.ID)
		_, err = f.move(t, f.seller, s.ID, solution.Submit, "")
		f.refused(t, before, err, "solution.industry_required", "industry")

		// With fields but only the approval materials: the feature list is named.
		approval := f.upload(t, f.p, solution.ApprovalMaterials, "a.pdf")
		if err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			if _, err := solution.Update(ctx, tx, f.seller, s.ID, solution.Fields{Name: "Bare", Industry: "retail", Description: "d"}); err != nil {
				return err
			}
			_, err := solution.Attach(ctx, tx, f.seller, s.ID, solution.ApprovalMaterials, approval)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		before = f.state(t, s.ID)
		_, err = f.move(t, f.seller, s.ID, solution.Submit, "")
		f.refused(t, before, err, "solution.features_required", solution.FeatureList)

		// Another partner's upload, or an approval file offered as the
		// feature list, is unknown to this solution.
		foreign := f.upload(t, f.other, solution.FeatureList, "theirs.pdf")
		for id, want := range map[string]string{foreign: "solution.file_unknown", "no-such-upload": "solution.file_unknown",
			approval: "upload.wrong_kind"} {
			err = f.tx(t, func(ctx context.Context, tx *store.Tx) error {
				_, err := solution.Attach(ctx, tx, f.seller, s.ID, solution.FeatureList, id)
				return err
			})
			f.refused(t, before, err, want, solution.FeatureList)
		}
	})
}

// Bad fields are refused by name and leave nothing behind.
func TestFieldsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		s := f.complete(t, "Taken")
		cases := []struct {
			fields     solution.Fields
			key, field string
		}{
			{solution.Fields{Name: "  "}, "solution.name_required", "name"},
			{solution.Fields{Name: "x", Industry: "space"}, "solution.industry_invalid", "industry"},
			{solution.Fields{Name: "TAKEN"}, "solution.name_taken", "name"},
			{solution.Fields{Name: string(make([]rune, 101))}, "solution.too_long", "name"},
		}
		for _, c := range cases {
			err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
				_, err := solution.Create(ctx, tx, f.seller, c.fields)
				return err
			})
			e, _ := apperr.As(err)
			if key(err) != c.key || e.Field != c.field {
				t.Fatalf("%+v: %v", c.fields, err)
			}
		}
		_, total, err := solution.List(context.Background(), db.Reader(), solution.Filter{Viewer: solution.Viewer{PartnerID: f.p.ID}})
		if err != nil || total != 1 {
			t.Fatalf("%d solutions after refusals (%v), want 1", total, err)
		}
		// The other partner may use the same name: names are per partner.
		if err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Create(ctx, tx, f.stranger, solution.Fields{Name: "Taken"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// The PSA does not create solutions.
		err = f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Create(ctx, tx, f.psaA, solution.Fields{Name: "mine"})
			return err
		})
		if key(err) != "solution.wrong_side" {
			t.Fatalf("PSA creating: %v", err)
		}
		_ = s
	})
}

// The assistance thread: the partner asks, the PSA sees the solution
// waiting, answers, and the partner's users are notified.
func TestAssistanceThread(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		s := f.complete(t, "Edge AI")
		ctx := context.Background()
		post := func(a solution.Actor, body string) error {
			return f.tx(t, func(ctx context.Context, tx *store.Tx) error {
				_, err := solution.Post(ctx, tx, a, s.ID, body)
				return err
			})
		}
		if err := post(f.seller, "How should the BOM price GPUs?"); err != nil {
			t.Fatal(err)
		}
		waiting, _, err := solution.List(ctx, db.Reader(), solution.Filter{AwaitingPSA: true})
		if err != nil || len(waiting) != 1 || waiting[0].ID != s.ID {
			t.Fatalf("awaiting the PSA: %v (%v)", waiting, err)
		}
		// The PSA (every user of the back office's solutions while none approved it) heard of it.
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?`, f.psa.ID,
			"solution.assistance_requested").Scan(&n); err != nil || n != 1 {
			t.Fatalf("PSA notified %d times (%v)", n, err)
		}
		if err := post(f.psaA, "Per card-hour, by quantity tiers."); err != nil {
			t.Fatal(err)
		}
		if waiting, _, _ := solution.List(ctx, db.Reader(), solution.Filter{AwaitingPSA: true}); len(waiting) != 0 {
			t.Fatalf("still awaiting after the answer: %v", waiting)
		}
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?`, f.main.ID,
			"solution.answered").Scan(&n); err != nil || n != 1 {
			t.Fatalf("partner notified %d times (%v)", n, err)
		}
		thread, err := solution.Thread(ctx, db.Reader(), s.ID)
		if err != nil || len(thread) != 2 || thread[0].Side != solution.Partner || thread[1].Side != solution.PSA ||
			thread[1].Body != "Per card-hour, by quantity tiers." || thread[1].Author != "psa-1" {
			t.Fatalf("thread %+v (%v)", thread, err)
		}
		before := f.state(t, s.ID)
		f.refused(t, before, post(f.seller, "   "), "solution.message_required", "body")
	})
}

// The list: by part of the name and by status, paged, newest change first.
func TestList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		a := f.complete(t, "Smart factory")
		f.complete(t, "Smart retail")
		f.complete(t, "100%_cloud")
		f.mustMove(t, f.seller, a.ID, solution.Submit, "", solution.JointApproval)
		ctx, v := context.Background(), solution.Viewer{PartnerID: f.p.ID}
		names := func(filter solution.Filter) ([]string, int) {
			filter.Viewer = v
			list, total, err := solution.List(ctx, db.Reader(), filter)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range list {
				out = append(out, s.Name)
			}
			return out, total
		}
		if got, total := names(solution.Filter{Name: "smart"}); total != 2 || !reflect.DeepEqual(got, []string{"Smart factory", "Smart retail"}) {
			t.Fatalf("by name: %v %d", got, total)
		}
		if got, _ := names(solution.Filter{Name: "%_"}); !reflect.DeepEqual(got, []string{"100%_cloud"}) {
			t.Fatalf("wildcards taken literally: %v", got)
		}
		if got, total := names(solution.Filter{Status: solution.JointApproval}); total != 1 || got[0] != "Smart factory" {
			t.Fatalf("by status: %v", got)
		}
		if got, total := names(solution.Filter{Limit: 2, Offset: 2}); total != 3 || len(got) != 1 {
			t.Fatalf("second page: %v of %d", got, total)
		}
	})
}

// Removing a material of a draft leaves the submission missing it; a
// submitted solution's materials stay, and another solution's file is
// unknown.
func TestDetach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		s := f.complete(t, "Detachable")
		other := f.complete(t, "Other")
		files, _ := solution.Files(context.Background(), db.Reader(), s.ID)
		otherFiles, _ := solution.Files(context.Background(), db.Reader(), other.ID)
		before := f.state(t, s.ID)
		err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Detach(ctx, tx, f.seller, s.ID, otherFiles[0].ID)
			return err
		})
		f.refused(t, before, err, "solution.file_not_found", "")
		err = f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Detach(ctx, tx, f.stranger, s.ID, files[0].ID)
			return err
		})
		f.refused(t, before, err, "solution.not_found", "")
		var feature solution.File
		for _, file := range files {
			if file.Kind == solution.FeatureList {
				feature = file
			}
		}
		if err := f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Detach(ctx, tx, f.seller, s.ID, feature.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		before = f.state(t, s.ID)
		if len(before.Files) != 1 || before.Timeline[len(before.Timeline)-1].Action != "file_removed" {
			t.Fatalf("after removing: %+v", before)
		}
		_, err = f.move(t, f.seller, s.ID, solution.Submit, "")
		f.refused(t, before, err, "solution.features_required", solution.FeatureList)

		f.mustMove(t, f.seller, other.ID, solution.Submit, "", solution.JointApproval)
		before = f.state(t, other.ID)
		err = f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Detach(ctx, tx, f.seller, other.ID, otherFiles[0].ID)
			return err
		})
		f.refused(t, before, err, "solution.not_editable", "")
	})
}

// Two PSAs deciding the same submission at once: one approves or returns
// it, the other is refused on the status, and the timeline has one
// decision.
func TestConcurrentDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		s := f.complete(t, "Contended")
		f.mustMove(t, f.seller, s.ID, solution.Submit, "", solution.JointApproval)
		other := solution.Actor{Side: solution.PSA, UserID: f.psa.ID, Name: "psa-2"}
		errs := make(chan error, 2)
		go func() { _, err := f.move(t, f.psaA, s.ID, solution.Approve, ""); errs <- err }()
		go func() { _, err := f.move(t, other, s.ID, solution.Return, "not yet"); errs <- err }()
		var refused int
		for range 2 {
			if err := <-errs; err != nil {
				if key(err) != "solution.wrong_status" {
					t.Fatalf("the losing decision: %v", err)
				}
				refused++
			}
		}
		if refused != 1 {
			t.Fatalf("%d decisions refused, want 1", refused)
		}
		st := f.state(t, s.ID)
		decisions := 0
		for _, e := range st.Timeline {
			if e.Action == solution.Approve || e.Action == solution.Return {
				decisions++
			}
		}
		if decisions != 1 || (st.S.Status != solution.JointDesign && st.S.Status != solution.Returned) {
			t.Fatalf("%d decisions, status %s", decisions, st.S.Status)
		}
	})
}
