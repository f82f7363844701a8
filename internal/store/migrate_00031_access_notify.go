package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// Migration 00031: on PostgreSQL, every change to an access key or a
// partner is announced on the channel AccessChannel when it commits, so
// that nodes keeping a copy of what signed requests are checked against
// (the API's key cache) drop it. Triggers rather than calls in the code
// that changes them: every writer, now and later, is covered, and the
// notification is sent exactly when the change commits (NOTIFY is
// transactional). The payload is "key <id>" or "partner <id>". SQLite
// serves one node and needs nothing.
func init() {
	goose.AddNamedMigrationContext("00031_access_notify.go", accessNotifyUp, accessNotifyDown)
}

// AccessChannel is the channel on which access key and partner changes are
// announced.
const AccessChannel = "partnercenter_access"

func accessNotifyUp(ctx context.Context, tx *sql.Tx) error {
	if !isPostgres(ctx, tx) {
		return nil
	}
	for _, q := range []string{
		`CREATE FUNCTION partnercenter_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			PERFORM pg_notify('` + AccessChannel + `', TG_ARGV[0] || ' ' || COALESCE(NEW.id, OLD.id));
			RETURN NULL;
		END $$`,
		`CREATE TRIGGER access_keys_notify AFTER INSERT OR UPDATE OR DELETE ON access_keys
			FOR EACH ROW EXECUTE FUNCTION partnercenter_access_changed('key')`,
		`CREATE TRIGGER partners_notify AFTER UPDATE OR DELETE ON partners
			FOR EACH ROW EXECUTE FUNCTION partnercenter_access_changed('partner')`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func accessNotifyDown(ctx context.Context, tx *sql.Tx) error {
	if !isPostgres(ctx, tx) {
		return nil
	}
	_, err := tx.ExecContext(ctx, `DROP TRIGGER access_keys_notify ON access_keys;
		DROP TRIGGER partners_notify ON partners;
		DROP FUNCTION partnercenter_access_changed()`)
	return err
}
