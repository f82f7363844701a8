package partner

import (
	"context"

	"partnercenter/internal/auth"
	"partnercenter/internal/store"
)

// rowFunc lets a scan function that fills part of a row take its turn with
// the rest of the destinations.
type rowFunc func(dest ...any) error

func (f rowFunc) Scan(dest ...any) error { return f(dest...) }

// ByAccessKey returns an access key (secret opened) and the partner it acts
// for, read in one query: every signed API request needs both, and one read
// instead of two is most of what authentication costs. An unknown AK is
// auth.ErrUnknownKey.
func ByAccessKey(ctx context.Context, q store.Queryer, sealer *auth.Sealer, ak string) (*auth.AccessKey, *Partner, error) {
	row := q.QueryRowContext(ctx, `SELECT `+auth.AccessKeyColumns+`, `+columns+` FROM access_keys k
		JOIN partners p ON p.id = k.partner_id WHERE k.id = ?`, ak)
	var key *auth.AccessKey
	p, err := scan(rowFunc(func(dest ...any) (err error) {
		key, err = auth.ScanAccessKey(row, sealer, dest...)
		return err
	}))
	if err != nil {
		return nil, nil, err
	}
	return key, p, nil
}
