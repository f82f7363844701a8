-- +goose Up
-- 接入配置: a partner's sales platform as it registered it. A row is what
-- makes a partner configured; its platform identifier (xaccountType) lives
-- on partners, assigned once when the first row is written.
CREATE TABLE platform_registrations (
    partner_id          TEXT PRIMARY KEY REFERENCES partners(id),
    platform_name       TEXT NOT NULL,
    contact_name        TEXT NOT NULL,
    contact_phone       TEXT NOT NULL,
    contact_email       TEXT NOT NULL,
    idp_metadata        TEXT NOT NULL DEFAULT '',
    idp_entity_id       TEXT NOT NULL DEFAULT '',
    idp_sso_url         TEXT NOT NULL DEFAULT '',
    pay_return_url      TEXT NOT NULL DEFAULT '',
    recharge_return_url TEXT NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    configured_at       BIGINT NOT NULL
);

-- Access keys: what a key may call (operation ids, space separated; empty
-- for all), from where (CIDRs or addresses; empty for anywhere), when a
-- rotated-out key stops working, soft deletion and the provider's revocation.
ALTER TABLE access_keys ADD COLUMN scope TEXT NOT NULL DEFAULT '';
ALTER TABLE access_keys ADD COLUMN allow_list TEXT NOT NULL DEFAULT '';
ALTER TABLE access_keys ADD COLUMN expires_at BIGINT;
ALTER TABLE access_keys ADD COLUMN deleted_at BIGINT;
ALTER TABLE access_keys ADD COLUMN revoked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE access_keys ADD COLUMN revoked_at BIGINT;
ALTER TABLE access_keys ADD COLUMN revoke_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE access_keys ADD COLUMN rotated_from TEXT NOT NULL DEFAULT '';

-- Signatures of mutations sent without an Idempotency-Key, kept while the
-- signature's date is still accepted, so that a replayed copy is refused.
CREATE TABLE api_signatures (
    signature_hash TEXT PRIMARY KEY,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX api_signatures_expires ON api_signatures (expires_at);

-- +goose Down
DROP TABLE api_signatures;
ALTER TABLE access_keys DROP COLUMN rotated_from;
ALTER TABLE access_keys DROP COLUMN revoke_reason;
ALTER TABLE access_keys DROP COLUMN revoked_at;
ALTER TABLE access_keys DROP COLUMN revoked_by;
ALTER TABLE access_keys DROP COLUMN deleted_at;
ALTER TABLE access_keys DROP COLUMN expires_at;
ALTER TABLE access_keys DROP COLUMN allow_list;
ALTER TABLE access_keys DROP COLUMN scope;
DROP TABLE platform_registrations;
