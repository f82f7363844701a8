-- Incentives (激励管理): the provider's policies (rebate rates by service
-- type and partner type, the new-customer bonus), each partner's monthly
-- statement (对账) computed from its customers' attributed consumption, the
-- details per customer, service type and customer manager (激励明细), and
-- the payouts (激励申付) with the method chosen once.

-- +goose Up
-- A policy is a rebate rate (kind 'rebate', per service type) or a
-- new-customer bonus (kind 'new_customer', service_type_code ''), for one
-- partner type, valid from one bill month to another (valid_to 0: open).
-- Rates are basis points (1 = 0.01 %, 10000 = 100 %). Validity of the same
-- kind, service type and partner type never overlaps (checked by the
-- incentive package, which serialises policy writes).
CREATE TABLE incentive_policies (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    service_type_code TEXT NOT NULL DEFAULT '',
    partner_type      TEXT NOT NULL,
    rate_bp           INTEGER NOT NULL DEFAULT 0,
    bonus_fen         BIGINT NOT NULL DEFAULT 0,
    allow_discount    BOOLEAN NOT NULL DEFAULT FALSE,
    valid_from        INTEGER NOT NULL,          -- bill month, 202601
    valid_to          INTEGER NOT NULL DEFAULT 0,
    created_by        TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_by        TEXT NOT NULL DEFAULT '',
    updated_at        BIGINT NOT NULL
);
CREATE INDEX incentive_policies_lookup ON incentive_policies (kind, partner_type, service_type_code, valid_from);

-- A partner's payout preferences: apply automatically when a statement is
-- confirmed, with this method.
CREATE TABLE incentive_settings (
    partner_id   TEXT PRIMARY KEY REFERENCES partners(id),
    auto_apply   BOOLEAN NOT NULL DEFAULT FALSE,
    method       TEXT NOT NULL DEFAULT '',
    updated_by   TEXT NOT NULL DEFAULT '',
    updated_at   BIGINT NOT NULL
);

-- One partner's incentive for one bill month (the reconciliation row):
-- estimated while the month runs, to_confirm once it has ended, paying once
-- the partner confirmed it, paid when its payout completed. carry_in is the
-- negative remainder of the month before (<= 0), carry_out this month's
-- (<= 0); payable = max(0, rebate + bonus + carry_in).
CREATE TABLE incentive_statements (
    id             TEXT PRIMARY KEY,
    partner_id     TEXT NOT NULL REFERENCES partners(id),
    bill_month     INTEGER NOT NULL,
    status         TEXT NOT NULL,
    consumption    BIGINT NOT NULL DEFAULT 0,  -- charges of incentive products (> 0 items)
    refunds        BIGINT NOT NULL DEFAULT 0,  -- refunds of incentive products (< 0 items, deducted first)
    rebate         BIGINT NOT NULL DEFAULT 0,  -- sum of the rebate details (signed)
    new_customers  INTEGER NOT NULL DEFAULT 0,
    bonus          BIGINT NOT NULL DEFAULT 0,
    carry_in       BIGINT NOT NULL DEFAULT 0,
    payable        BIGINT NOT NULL DEFAULT 0,
    carry_out      BIGINT NOT NULL DEFAULT 0,
    computed_at    BIGINT NOT NULL,
    confirmed_at   BIGINT,
    confirmed_by   TEXT NOT NULL DEFAULT '',
    paid_at        BIGINT,
    UNIQUE (partner_id, bill_month)
);
CREATE INDEX incentive_statements_month ON incentive_statements (bill_month, status);

-- 激励明细: one row per statement, customer, service type, customer
-- manager and kind (rebate or new_customer). consumption is the net
-- attributed consumption of incentive products (signed: refunds are
-- negative), amount the incentive in fen after the largest-remainder split.
-- The calculation alone writes these rows, a month's at once (millions);
-- it keeps them unique, so the table has no key or foreign key to check
-- row by row, and one index, by partner and month, which every reader and
-- the recalculation's delete use.
CREATE TABLE incentive_details (
    statement_id      TEXT NOT NULL,
    partner_id        TEXT NOT NULL,
    bill_month        INTEGER NOT NULL,
    customer_id       TEXT NOT NULL,
    service_type_code TEXT NOT NULL,
    manager_user_id   TEXT NOT NULL,
    kind              TEXT NOT NULL,
    consumption       BIGINT NOT NULL,
    refunds           BIGINT NOT NULL DEFAULT 0, -- its negative items (<= 0), part of consumption
    rate_bp           INTEGER NOT NULL,
    amount            BIGINT NOT NULL
);
CREATE INDEX incentive_details_partner_month ON incentive_details (partner_id, bill_month, manager_user_id);

-- 激励申付: the payout of one confirmed statement. status: pending_application,
-- processing, pending_invoice, completed, error (the voucher quota could not
-- be issued; provider finance retries). method is set once, at application.
CREATE TABLE incentive_payouts (
    id             TEXT PRIMARY KEY,
    statement_id   TEXT NOT NULL UNIQUE REFERENCES incentive_statements(id),
    partner_id     TEXT NOT NULL REFERENCES partners(id),
    bill_month     INTEGER NOT NULL,
    amount         BIGINT NOT NULL,
    status         TEXT NOT NULL,
    method         TEXT NOT NULL DEFAULT '',
    auto_applied   BOOLEAN NOT NULL DEFAULT FALSE,
    applied_by     TEXT NOT NULL DEFAULT '',
    applied_at     BIGINT,
    approved_by    TEXT NOT NULL DEFAULT '',
    approved_at    BIGINT,
    invoice_number TEXT NOT NULL DEFAULT '',
    bank_reference TEXT NOT NULL DEFAULT '',
    quota_id       TEXT NOT NULL DEFAULT '',
    transfer_id    TEXT NOT NULL DEFAULT '',
    error_message  TEXT NOT NULL DEFAULT '',
    attempts       INTEGER NOT NULL DEFAULT 0,
    paid_by        TEXT NOT NULL DEFAULT '',
    completed_at   BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX incentive_payouts_partner ON incentive_payouts (partner_id, bill_month);
CREATE INDEX incentive_payouts_status ON incentive_payouts (status, updated_at);

-- The calculation reads one month of every partner's fee records; metering
-- writes them in time order, so this index only ever grows at its end.
CREATE INDEX fee_records_month ON fee_records (bill_month);

-- +goose Down
DROP INDEX fee_records_month;
DROP TABLE incentive_payouts;
DROP TABLE incentive_details;
DROP TABLE incentive_statements;
DROP TABLE incentive_settings;
DROP TABLE incentive_policies;
