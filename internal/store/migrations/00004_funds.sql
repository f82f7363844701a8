-- +goose Up
-- Credit line changes made by provider finance, kept as history.
CREATE TABLE credit_line_changes (
    id          TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL REFERENCES partners(id),
    before_fen  BIGINT NOT NULL,
    after_fen   BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX credit_line_changes_partner ON credit_line_changes (partner_id, at);

-- 调账记录: every allocation to, reclaim from and unbind return of a
-- customer or an indirect reseller, one row per operation (trans_id is the
-- ledger's linked id of its transfers). client_id makes the operation
-- idempotent: the split between accounts depends on balances at the time, so
-- the operation, not each transfer, is what a retry must find.
CREATE TABLE fund_adjustments (
    trans_id         TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL UNIQUE,
    request_hash     TEXT NOT NULL,
    partner_id       TEXT NOT NULL REFERENCES partners(id),
    customer_id      TEXT,
    indirect_partner TEXT,
    operation_type   TEXT NOT NULL,
    amount           BIGINT NOT NULL,
    memo             TEXT NOT NULL DEFAULT '',
    operator         TEXT NOT NULL,
    at               BIGINT NOT NULL
);
CREATE INDEX fund_adjustments_partner ON fund_adjustments (partner_id, at);
CREATE INDEX fund_adjustments_customer ON fund_adjustments (partner_id, customer_id, at);

-- Withdrawals (提现) a partner requests from its recharge account; the
-- amount is held in the ledger until finance approves (posted) or rejects
-- (voided).
CREATE TABLE withdrawals (
    id           TEXT PRIMARY KEY,
    partner_id   TEXT NOT NULL REFERENCES partners(id),
    amount       BIGINT NOT NULL,
    bank_account TEXT NOT NULL,
    status       TEXT NOT NULL,
    hold_id      TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   BIGINT,
    reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX withdrawals_partner ON withdrawals (partner_id, requested_at);
CREATE INDEX withdrawals_status ON withdrawals (status, requested_at);

-- 解除关联 requests: the partner's main account asks, the customer confirms
-- on its own page (only the token's hash is kept), and on confirmation the
-- customer's remaining balance returns to the partner in the same
-- transaction as the unbinding.
CREATE TABLE unbind_requests (
    id              TEXT PRIMARY KEY,
    partner_id      TEXT NOT NULL REFERENCES partners(id),
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    token_hash      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    requested_at    BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    completed_at    BIGINT,
    returned_amount BIGINT NOT NULL DEFAULT 0,
    trans_id        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX unbind_requests_customer ON unbind_requests (customer_id, requested_at);
CREATE INDEX unbind_requests_partner ON unbind_requests (partner_id, requested_at);

-- +goose Down
DROP TABLE unbind_requests;
DROP TABLE withdrawals;
DROP TABLE fund_adjustments;
DROP TABLE credit_line_changes;
