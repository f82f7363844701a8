package demo

import (
	"context"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// loadWebhooks gives the distributor two callback endpoints with a day of
// history: its sales platform, which took every event at the first attempt,
// and a receiver on the local machine that is not running, whose log shows
// the refused attempts and the retries still to come. The secrets are sealed
// with sealer, as the access keys are.
func loadWebhooks(ctx context.Context, db *store.DB, sealer *auth.Sealer, now time.Time) error {
	var p *partner.Partner
	var platform, local *webhook.Endpoint
	err := db.InTxAt(ctx, now.Add(-26*time.Hour), func(tx *store.Tx) (err error) {
		if p, err = partner.GetByName(ctx, tx, "distributor"); err != nil {
			return err
		}
		url, desc, all := "https://hooks.distributor.partner.example/partner-center", "销售平台", webhook.Types
		if platform, err = webhook.Create(ctx, tx, sealer, p.ID, webhook.Fields{URL: &url, Description: &desc, Events: &all}); err != nil {
			return err
		}
		url, desc = "http://127.0.0.1:9/partner-center/hooks", "本机调试（接收端未启动）"
		some := []string{webhook.FundsAllocated, webhook.CustomerFrozen, webhook.OrderPaid}
		local, err = webhook.Create(ctx, tx, sealer, p.ID, webhook.Fields{URL: &url, Description: &desc, Events: &some})
		return err
	})
	if err != nil {
		return err
	}
	rows, err := db.Reader().QueryContext(ctx, `SELECT id, domain_name FROM customers WHERE partner_id = ? AND association_type = 2 ORDER BY id LIMIT 3`, p.ID)
	if err != nil {
		return err
	}
	var customers [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			rows.Close()
			return err
		}
		customers = append(customers, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, c := range customers {
		at := now.Add(-time.Duration(20-6*i) * time.Hour)
		err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
			return webhook.EmitMany(ctx, tx, p.ID, []webhook.Event{{Type: webhook.FundsAllocated, Data: map[string]any{
				"trans_id": ids.New(), "customer_id": c[0], "amount": webhook.Money(int64(50000 * (i + 1))), "memo": "月度拨款",
				"occurred_at": webhook.Time(at)}}})
		})
		if err != nil {
			return err
		}
	}
	// The history of their delivery: the platform answered 200 at once;
	// the local receiver refused twice and is due again in a few minutes.
	return db.InTxAt(ctx, now, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, endpoint_id, created_at FROM webhook_deliveries WHERE partner_id = ? ORDER BY created_at`, p.ID)
		if err != nil {
			return err
		}
		type delivery struct {
			id, endpoint string
			at           int64
		}
		var list []delivery
		for rows.Next() {
			var d delivery
			if err := rows.Scan(&d.id, &d.endpoint, &d.at); err != nil {
				rows.Close()
				return err
			}
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range list {
			first := d.at + int64(time.Second/time.Microsecond)
			switch d.endpoint {
			case platform.ID:
				if err := demoAttempt(ctx, tx, d.id, first, 200, "", 87, `{"received":true}`); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = 1, last_status_code = 200, last_duration_ms = 87,
					last_attempt_at = ?, updated_at = ? WHERE id = ?`, webhook.StatusSucceeded, first, first, d.id); err != nil {
					return err
				}
			case local.ID:
				second := first + int64(31*time.Second/time.Microsecond)
				refused := "connect: connection refused"
				for _, at := range []int64{first, second} {
					if err := demoAttempt(ctx, tx, d.id, at, 0, refused, 1, ""); err != nil {
						return err
					}
				}
				if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = 2, last_error = ?, last_duration_ms = 1, last_attempt_at = ?,
					next_attempt_at = ?, updated_at = ? WHERE id = ?`, refused, second, store.Micros(now.Add(5*time.Minute)), second, d.id); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// demoAttempt records one attempt of a delivery's history.
func demoAttempt(ctx context.Context, tx *store.Tx, deliveryID string, at int64, status int, errText string, ms int, response string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code, error, duration_ms, response)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, ids.New(), deliveryID, at, status, errText, ms, response)
	return err
}
