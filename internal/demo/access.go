package demo

import (
	"context"
	"fmt"
	"time"

	"partnercenter/internal/access"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
)

// unconfigured is the demo partner that has not completed 接入配置, so that
// a newcomer sees the flow; it has no platform identifier until it does.
const unconfigured = "solution"

// loadAccess registers the sales platforms of the other demo partners and
// gives each a few access keys: one being rotated out (within its window)
// with its successor, and a disabled one, sealed with sealer (the server's
// master key when serve or the demo command loads them, so they sign).
func loadAccess(ctx context.Context, db *store.DB, sealer *auth.Sealer, now time.Time) error {
	return db.InTxAt(ctx, now.Add(-2*time.Hour), func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE partners SET xaccount_type = NULL WHERE name = ?`, unconfigured); err != nil {
			return err
		}
		for i, d := range Partners {
			if d.Name == unconfigured {
				continue
			}
			p, err := partner.GetByName(ctx, tx, d.Name)
			if err != nil {
				return err
			}
			if _, _, err := access.Configure(ctx, tx, p.ID, access.RegistrationInput{
				PlatformName: d.DisplayName + "销售平台", ContactName: "接入联系人", ContactPhone: fmt.Sprintf("1390000%04d", i+1),
				ContactEmail: "platform@" + d.Name + ".partner.example", PayReturnURL: "https://shop." + d.Name + ".partner.example/paid",
				RechargeReturnURL: "https://shop." + d.Name + ".partner.example/recharged",
			}); err != nil {
				return fmt.Errorf("demo registration %s: %w", d.Name, err)
			}
			prod, err := access.CreateKey(ctx, tx, sealer, p.ID, access.KeyInput{Description: "生产环境",
				AllowList: []string{"203.0.113.0/24"}}, nil)
			if err != nil {
				return err
			}
			if _, err := access.RotateKey(ctx, tx, sealer, p.ID, prod.ID, 72*time.Hour); err != nil {
				return err
			}
			test, err := access.CreateKey(ctx, tx, sealer, p.ID, access.KeyInput{Description: "测试环境"}, nil)
			if err != nil {
				return err
			}
			if err := access.SetKeyDisabled(ctx, tx, p.ID, test.ID, true); err != nil {
				return err
			}
		}
		return nil
	})
}
