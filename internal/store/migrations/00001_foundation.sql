-- +goose Up
-- Partner organisations: each is a tenant. An indirect reseller has the total
-- distributor it sells through as parent.
CREATE TABLE partners (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    partner_type  TEXT NOT NULL,
    stage         TEXT NOT NULL,
    parent_id     TEXT REFERENCES partners(id),
    domain_id     TEXT NOT NULL UNIQUE,
    domain_name   TEXT NOT NULL UNIQUE,
    xaccount_type TEXT UNIQUE,
    email         TEXT NOT NULL DEFAULT '',
    mobile        TEXT NOT NULL DEFAULT '',
    pdm_user_id   TEXT,
    associated_at BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX partners_parent ON partners (parent_id, associated_at);

-- Users: provider staff have no partner; partner users belong to exactly one.
CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    partner_id          TEXT REFERENCES partners(id),
    is_main             BOOLEAN NOT NULL DEFAULT FALSE,
    roles               TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL,
    locale              TEXT NOT NULL DEFAULT 'zh-CN',
    time_zone           TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    email               TEXT NOT NULL DEFAULT '',
    mobile              TEXT NOT NULL DEFAULT '',
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);
CREATE INDEX users_partner ON users (partner_id);

-- Console sessions: only a hash of the cookie's token is kept.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Failed sign-ins, counted in a sliding window to throttle guessing. Kept in
-- the database so that every node sees the same count.
CREATE TABLE signin_failures (
    id       TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    ip       TEXT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX signin_failures_username ON signin_failures (username, at);
CREATE INDEX signin_failures_ip ON signin_failures (ip, at);

-- API access keys. The secret is sealed (encrypted) rather than hashed because
-- verifying an SDK-HMAC-SHA256 signature needs the secret itself.
CREATE TABLE access_keys (
    id            TEXT PRIMARY KEY,
    partner_id    TEXT NOT NULL REFERENCES partners(id),
    secret_sealed TEXT NOT NULL,
    status        TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    last_used_ip  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX access_keys_partner ON access_keys (partner_id);

-- Append-only record of every state change.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    partner_id  TEXT,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_partner_at ON audit_log (partner_id, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- Idempotency-Key: the first answer to a mutation, replayed for a retry with
-- the same key and body; a different body under the same key is refused.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE access_keys;
DROP TABLE signin_failures;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE partners;
