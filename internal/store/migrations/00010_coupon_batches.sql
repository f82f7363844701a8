-- +goose Up
-- Batch 发放 of coupons to many customers: the batch (one quota, one face
-- value and validity) and one row per customer with its outcome. A row
-- leaves 'pending' in the same transaction that issues its coupon, so a
-- retried job issues only the rows still pending.
CREATE TABLE coupon_batches (
    id           TEXT PRIMARY KEY,
    partner_id   TEXT NOT NULL REFERENCES partners(id),
    quota_id     TEXT NOT NULL,
    face_value   BIGINT NOT NULL,
    effective_at BIGINT NOT NULL DEFAULT 0,
    expires_at   BIGINT NOT NULL DEFAULT 0,
    service_types TEXT NOT NULL DEFAULT '',
    product_ids  TEXT NOT NULL DEFAULT '',
    memo         TEXT NOT NULL DEFAULT '',
    operator     TEXT NOT NULL,
    status       TEXT NOT NULL,
    rows_total   INTEGER NOT NULL,
    rows_done    INTEGER NOT NULL DEFAULT 0,
    rows_failed  INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX coupon_batches_partner ON coupon_batches (partner_id, created_at);

CREATE TABLE coupon_batch_rows (
    batch_id    TEXT NOT NULL REFERENCES coupon_batches(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    coupon_id   TEXT NOT NULL DEFAULT '',
    problem     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (batch_id, seq)
);
CREATE INDEX coupon_batch_rows_status ON coupon_batch_rows (batch_id, status, seq);

-- +goose Down
DROP TABLE coupon_batch_rows;
DROP TABLE coupon_batches;
