-- +goose Up
-- SAML single sign-on through a partner's own identity provider.
--
-- An AuthnRequest the console sent and has not yet seen answered: the
-- response must name it (InResponseTo) and come back to the browser that
-- started it (the hash of a random value in that browser's cookie). A row is
-- used once and lives a few minutes.
CREATE TABLE sso_requests (
    id           TEXT PRIMARY KEY,
    partner_id   TEXT NOT NULL REFERENCES partners(id),
    browser_hash TEXT NOT NULL,
    next_path    TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sso_requests_expires ON sso_requests (expires_at);

-- Assertions already used to sign in, kept until they expire, so that a
-- copy of one is refused.
CREATE TABLE sso_assertions (
    assertion_hash TEXT PRIMARY KEY,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX sso_assertions_expires ON sso_assertions (expires_at);

-- +goose Down
DROP TABLE sso_assertions;
DROP TABLE sso_requests;
