// Package demo loads the demonstration data set: provider staff, the demo
// partners with their main accounts and sub-accounts, so that a newcomer can
// sign in and look around. Every later capability adds its part here.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
)

// Password is every demo user's password.
const Password = "Demo@2026"

// Staff are the demo provider staff and their roles.
var Staff = []struct {
	Username, DisplayName string
	Role                  auth.Role
}{
	{"admin", "平台管理员", auth.StaffAdmin},
	{"finance", "财经 Finance", auth.StaffFinance},
	{"psm-east", "华东代表处 PSM", auth.StaffPSM},
	{"psm-east-2", "华东代表处 PSM 2", auth.StaffPSM},
	{"pdm", "伙伴发展经理 PDM", auth.StaffPDM},
	{"bd", "BD", auth.StaffBD},
	{"psa", "解决方案架构师 PSA", auth.StaffPSA},
	{"evaluator", "交付评价 Evaluator", auth.StaffEvaluator},
}

// Partners are the demo partners, parents before their resellers.
var Partners = []struct {
	Name, DisplayName string
	Type              partner.Type
	Stage             partner.Stage
	Parent            string
}{
	{"distributor", "华东云总经销有限公司", partner.TotalDistributor, partner.Differentiated, ""},
	{"reseller-a", "杭州云联科技有限公司", partner.Reseller, partner.Certified, "distributor"},
	{"reseller-b", "苏州数智信息技术有限公司", partner.Reseller, partner.Registered, "distributor"},
	{"reseller", "上海云帆网络科技有限公司", partner.Reseller, partner.Certified, ""},
	{"solution", "北京智算解决方案有限公司", partner.SolutionProvider, partner.Registered, ""},
}

// SubAccounts are the demo partner sub-accounts.
var SubAccounts = []struct {
	Username, DisplayName, Partner string
	Role                           auth.Role
}{
	{"distributor-manager", "客户经理 王敏", "distributor", auth.PartnerManager},
	{"distributor-finance", "财务 李娜", "distributor", auth.PartnerFinance},
}

// Loaded reports whether the database already holds data (any partner).
func Loaded(ctx context.Context, db *store.DB) (bool, error) {
	var n int
	err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM partners`).Scan(&n)
	return n > 0, err
}

// Load writes the demo data set in one transaction. It refuses a database
// that already holds partners, so it never mixes demo rows into real data.
// The demo's access keys and callback secrets are sealed under a key of
// their own: they fill the lists but cannot sign. LoadSealed, given the
// server's master key, makes them work.
func Load(ctx context.Context, db *store.DB) error {
	sealer, err := auth.NewSealer([]byte(rand.Text() + rand.Text())[:32])
	if err != nil {
		return err
	}
	return LoadSealed(ctx, db, sealer)
}

// LoadSealed is Load with the server's master key, so that the demo's access
// keys authenticate and its callback deliveries are signed.
func LoadSealed(ctx context.Context, db *store.DB, sealer *auth.Sealer) error {
	loaded, err := Loaded(ctx, db)
	if err != nil {
		return err
	}
	if loaded {
		return fmt.Errorf("demo: the database already holds partners; load the demo data into an empty database")
	}
	ctx = auth.WithPrincipal(ctx, &auth.Principal{Kind: auth.KindStaff, UserID: "system", Username: "demo-loader"})
	if err := loadOrganisations(ctx, db); err != nil {
		return err
	}
	now := db.Now().UTC()
	if err := loadFunds(ctx, db, now); err != nil {
		return err
	}
	if err := loadCoupons(ctx, db, now); err != nil {
		return err
	}
	if err := loadCloud(ctx, db, now); err != nil {
		return err
	}
	if err := loadOpportunities(ctx, db, now); err != nil {
		return err
	}
	if err := loadSolutions(ctx, db, now); err != nil {
		return err
	}
	if err := loadConfigurators(ctx, db, now); err != nil {
		return err
	}
	if err := loadInvoices(ctx, db, now); err != nil {
		return err
	}
	if err := loadIncentives(ctx, db, now); err != nil {
		return err
	}
	if err := loadDeliveries(ctx, db, now); err != nil {
		return err
	}
	if err := loadAccess(ctx, db, sealer, now); err != nil {
		return err
	}
	if err := loadWebhooks(ctx, db, sealer, now); err != nil {
		return err
	}
	return analyze(ctx, db)
}

// analyze has PostgreSQL gather the planner's statistics of the tables just
// filled: until autovacuum gets to them it plans with an empty table's
// estimates, and a plan made for a handful of rows (a sequential scan) is
// what a server started right after the load keeps using.
func analyze(ctx context.Context, db *store.DB) error {
	if db.Dialect != store.Postgres {
		return nil
	}
	_, err := db.WriterPool().ExecContext(ctx, `ANALYZE`)
	return err
}

// loadOrganisations writes staff, partners, their users and customers in one
// transaction.
func loadOrganisations(ctx context.Context, db *store.DB) error {
	return db.InTx(ctx, func(tx *store.Tx) error {
		staffIDs := map[string]string{}
		for _, s := range Staff {
			u, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: s.Username, DisplayName: s.DisplayName,
				Roles: []auth.Role{s.Role}, Password: Password, Email: s.Username + "@provider.example"})
			if err != nil {
				return fmt.Errorf("demo staff %s: %w", s.Username, err)
			}
			staffIDs[s.Username] = u.ID
		}
		partnerIDs := map[string]string{}
		for i, p := range Partners {
			created, err := partner.Create(ctx, tx, partner.NewPartner{
				Name: p.Name, DisplayName: p.DisplayName, Type: p.Type, Stage: p.Stage, ParentID: partnerIDs[p.Parent],
				XAccountType: fmt.Sprintf("pc_demo_platform_%02d", i+1), PDMUserID: staffIDs["pdm"],
				Email: p.Name + "@partner.example", Mobile: fmt.Sprintf("1380000%04d", i+1),
			})
			if err != nil {
				return fmt.Errorf("demo partner %s: %w", p.Name, err)
			}
			partnerIDs[p.Name] = created.ID
			if _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: p.Name, DisplayName: p.DisplayName, PartnerID: created.ID,
				IsMain: true, Roles: []auth.Role{auth.PartnerAdmin}, Password: Password, Email: p.Name + "@partner.example"}); err != nil {
				return fmt.Errorf("demo main account %s: %w", p.Name, err)
			}
			if err := audit.Record(ctx, tx, audit.Change{PartnerID: created.ID, Action: "partner.create", ObjectType: "partner",
				ObjectID: created.ID, After: map[string]any{"name": created.Name, "type": created.Type, "stage": created.Stage}}); err != nil {
				return err
			}
		}
		userIDs := map[string]string{}
		for _, s := range SubAccounts {
			u, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: s.Username, DisplayName: s.DisplayName,
				PartnerID: partnerIDs[s.Partner], Roles: []auth.Role{s.Role}, Password: Password})
			if err != nil {
				return fmt.Errorf("demo sub-account %s: %w", s.Username, err)
			}
			userIDs[s.Username] = u.ID
		}
		return loadCustomers(ctx, tx, partnerIDs, userIDs["distributor-manager"])
	})
}
