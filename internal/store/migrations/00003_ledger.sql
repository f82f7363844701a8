-- +goose Up
-- The double-entry ledger. An account's balance is credits_posted -
-- debits_posted; pending amounts are reserved by holds. An account may not
-- be debited below -credit_limit unless it is unbounded (the provider's
-- outside-world accounts that money enters and leaves by).
CREATE TABLE ledger_accounts (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    owner_type      TEXT NOT NULL,
    owner_id        TEXT NOT NULL,
    partner_id      TEXT,
    unbounded       BOOLEAN NOT NULL DEFAULT FALSE,
    credit_limit    BIGINT NOT NULL DEFAULT 0,
    debits_posted   BIGINT NOT NULL DEFAULT 0,
    credits_posted  BIGINT NOT NULL DEFAULT 0,
    debits_pending  BIGINT NOT NULL DEFAULT 0,
    credits_pending BIGINT NOT NULL DEFAULT 0,
    entry_count     BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    UNIQUE (owner_type, owner_id, kind)
);
CREATE INDEX ledger_accounts_partner ON ledger_accounts (partner_id, kind);

-- Transfers are immutable. client_id makes a request idempotent: the same id
-- with the same request (request_hash) answers with the first result.
-- A pending transfer reserves; a post or void names it in pending_id.
CREATE TABLE ledger_transfers (
    id                TEXT PRIMARY KEY,
    client_id         TEXT NOT NULL UNIQUE,
    request_hash      TEXT NOT NULL,
    debit_account_id  TEXT NOT NULL REFERENCES ledger_accounts(id),
    credit_account_id TEXT NOT NULL REFERENCES ledger_accounts(id),
    amount            BIGINT NOT NULL,
    kind              TEXT NOT NULL,
    pending_id        TEXT REFERENCES ledger_transfers(id),
    code              TEXT NOT NULL,
    linked_id         TEXT NOT NULL,
    timeout_at        BIGINT,
    meta              TEXT NOT NULL DEFAULT '{}',
    created_at        BIGINT NOT NULL
);
CREATE INDEX ledger_transfers_pending ON ledger_transfers (pending_id);
CREATE INDEX ledger_transfers_timeout ON ledger_transfers (timeout_at);

-- One row per account touched by a posted movement, with the balance after
-- it: statements page through these, and the balance at any past moment is
-- the last balance_after before it. seq numbers an account's entries 1, 2,
-- ... in the order they were applied (the account row is locked meanwhile),
-- so the balance chain does not depend on clocks agreeing across nodes.
CREATE TABLE ledger_entries (
    id            TEXT PRIMARY KEY,
    transfer_id   TEXT NOT NULL REFERENCES ledger_transfers(id),
    account_id    TEXT NOT NULL REFERENCES ledger_accounts(id),
    seq           BIGINT NOT NULL,
    amount        BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    code          TEXT NOT NULL,
    at            BIGINT NOT NULL
);
CREATE UNIQUE INDEX ledger_entries_account_seq ON ledger_entries (account_id, seq);
CREATE INDEX ledger_entries_account_at ON ledger_entries (account_id, at, seq);
CREATE INDEX ledger_entries_account_code_at ON ledger_entries (account_id, code, at, seq);

-- Per account, day and code: what came in, what went out, how many entries.
-- Statement totals and counts over a year read at most a few hundred of
-- these instead of every entry. Days are calendar days in China Standard
-- Time (UTC+8, no daylight saving), the provider's billing day, numbered
-- from 1970-01-01.
CREATE TABLE ledger_daily (
    account_id TEXT NOT NULL REFERENCES ledger_accounts(id),
    day        INTEGER NOT NULL,
    code       TEXT NOT NULL,
    credits    BIGINT NOT NULL,
    debits     BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, code)
);
CREATE INDEX ledger_entries_transfer ON ledger_entries (transfer_id);

-- +goose Down
DROP TABLE ledger_daily;
DROP TABLE ledger_entries;
DROP TABLE ledger_transfers;
DROP TABLE ledger_accounts;
