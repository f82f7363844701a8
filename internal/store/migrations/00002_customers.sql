-- +goose Up
-- Customers: end customers' cloud accounts. A customer is associated with at
-- most one partner at a time (partner_id), as referral (1, 顾问销售) or
-- resale (2, 代售); an account with no partner is free to be invited.
CREATE TABLE customers (
    id               TEXT PRIMARY KEY,
    domain_name      TEXT NOT NULL UNIQUE,
    real_name        TEXT NOT NULL DEFAULT '',
    customer_type    INTEGER NOT NULL DEFAULT -1,
    verified_status  INTEGER NOT NULL DEFAULT -1,
    email            TEXT NOT NULL DEFAULT '',
    mobile           TEXT NOT NULL DEFAULT '',
    country_code     TEXT NOT NULL DEFAULT '',
    level            TEXT NOT NULL DEFAULT 'V0',
    xaccount_id      TEXT,
    xaccount_type    TEXT,
    created_at       BIGINT NOT NULL,
    partner_id       TEXT REFERENCES partners(id),
    association_type INTEGER,
    label            TEXT NOT NULL DEFAULT '',
    associated_at    BIGINT,
    frozen           INTEGER NOT NULL DEFAULT 0,
    frozen_reason    TEXT NOT NULL DEFAULT ''
);
-- xaccount_id is unique within one partner platform (xaccount_type).
CREATE UNIQUE INDEX customers_xaccount ON customers (xaccount_type, xaccount_id);
CREATE INDEX customers_partner_associated ON customers (partner_id, associated_at, id);
CREATE INDEX customers_partner_type ON customers (partner_id, association_type, associated_at);
CREATE INDEX customers_email ON customers (email);
CREATE INDEX customers_mobile ON customers (mobile);

-- Who managed a customer when: a customer has at most one open period
-- (ends_at NULL). Periods are never rewritten, so consumption is attributed
-- to the manager in charge when it happened.
CREATE TABLE customer_manager_periods (
    id              TEXT PRIMARY KEY,
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    partner_id      TEXT NOT NULL REFERENCES partners(id),
    manager_user_id TEXT NOT NULL REFERENCES users(id),
    starts_at       BIGINT NOT NULL,
    ends_at         BIGINT,
    assigned_by     TEXT NOT NULL,
    assigned_at     BIGINT NOT NULL
);
CREATE INDEX customer_manager_periods_customer ON customer_manager_periods (customer_id, starts_at);
CREATE INDEX customer_manager_periods_manager ON customer_manager_periods (manager_user_id, customer_id);

-- Links a customer opens to confirm something a partner asked: an invitation
-- to associate, or a switch of association type. Only the token's hash is kept.
CREATE TABLE customer_invites (
    token_hash       TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    partner_id       TEXT NOT NULL REFERENCES partners(id),
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    association_type INTEGER NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    used_at          BIGINT
);
CREATE INDEX customer_invites_customer ON customer_invites (customer_id, created_at);

-- +goose Down
DROP TABLE customer_invites;
DROP TABLE customer_manager_periods;
DROP TABLE customers;
