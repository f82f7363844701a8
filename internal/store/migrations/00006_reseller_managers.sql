-- +goose Up
-- Who of a total distributor's users managed one of its indirect resellers
-- when, kept like customer_manager_periods: a reseller has at most one open
-- period (ends_at NULL), and periods are never rewritten.
CREATE TABLE reseller_manager_periods (
    id              TEXT PRIMARY KEY,
    reseller_id     TEXT NOT NULL REFERENCES partners(id),
    distributor_id  TEXT NOT NULL REFERENCES partners(id),
    manager_user_id TEXT NOT NULL REFERENCES users(id),
    starts_at       BIGINT NOT NULL,
    ends_at         BIGINT,
    assigned_by     TEXT NOT NULL,
    assigned_at     BIGINT NOT NULL
);
CREATE INDEX reseller_manager_periods_reseller ON reseller_manager_periods (reseller_id, starts_at);
CREATE INDEX reseller_manager_periods_manager ON reseller_manager_periods (manager_user_id, reseller_id);
-- Two concurrent assignments cannot both leave an open period.
CREATE UNIQUE INDEX reseller_manager_periods_open ON reseller_manager_periods (reseller_id) WHERE ends_at IS NULL;

-- Stored Idempotency-Key answers are removed a day after they were given;
-- the sweep finds them by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP INDEX idempotency_keys_created;
DROP TABLE reseller_manager_periods;
