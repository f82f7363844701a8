package invoice

import (
	"context"

	"partnercenter/internal/store"
)

// EditInfo changes some fields of a record: edit gets the record's fields
// as they are under the account's lock and returns them changed, so that
// two edits of different fields at once both apply (the API's partial
// UpdateInvoiceInfo); the result is checked and audited as UpdateInfo does.
func EditInfo(ctx context.Context, tx *store.Tx, partnerID, id string, edit func(InfoFields) InfoFields) (*Info, error) {
	if err := touchAccount(ctx, tx, partnerID); err != nil {
		return nil, err
	}
	cur, err := GetInfo(ctx, tx, partnerID, id)
	if err != nil {
		return nil, err
	}
	return UpdateInfo(ctx, tx, partnerID, id, edit(cur.InfoFields))
}
