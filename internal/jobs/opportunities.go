package jobs

import (
	"context"
	"log/slog"

	"partnercenter/internal/opportunity"
	"partnercenter/internal/store"
)

// opportunityDeadlines applies co-selling's deadlines in the housekeeping
// sweep: reviews past their SLA are rejected with that reason, approved
// registrations left open past their grace expire, and HO offers past their
// validity expire.
func opportunityDeadlines(ctx context.Context, db *store.DB, log *slog.Logger) error {
	var overdue, lapsed, offers int
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if overdue, err = opportunity.ExpireOverdueReviews(ctx, tx, 1000); err != nil {
			return err
		}
		if lapsed, err = opportunity.ExpireRegistrations(ctx, tx, 1000); err != nil {
			return err
		}
		offers, err = opportunity.ExpireOffers(ctx, tx)
		return err
	})
	if err == nil && overdue+lapsed+offers > 0 {
		log.Info("opportunity deadlines", "reviews_overdue", overdue, "registrations_expired", lapsed, "offers_expired", offers)
	}
	return err
}
