-- +goose Up
-- Voucher (0) and cash-coupon (1) quotas granted by the provider to a
-- partner, or issued by a total distributor to one of its resellers from its
-- own quota (parent_quota_id). The balance is the quota's ledger account.
CREATE TABLE coupon_quotas (
    id              TEXT PRIMARY KEY,
    partner_id      TEXT NOT NULL REFERENCES partners(id),
    parent_quota_id TEXT REFERENCES coupon_quotas(id),
    quota_type      INTEGER NOT NULL,
    granted         BIGINT NOT NULL,
    status          INTEGER NOT NULL,
    effective_at    BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    max_face_value  BIGINT NOT NULL DEFAULT 0,
    service_types   TEXT NOT NULL DEFAULT '',
    product_ids     TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX coupon_quotas_partner ON coupon_quotas (partner_id, quota_type, created_at);
CREATE INDEX coupon_quotas_parent ON coupon_quotas (parent_quota_id);
CREATE INDEX coupon_quotas_expiry ON coupon_quotas (status, expires_at);

-- Coupons issued to customers. coupon_type follows the API: 1 voucher, 4
-- cash coupon. Status: 1 not active, 2 usable, 3 used up, 4 expired,
-- 5 reclaimed. The balance is the coupon's ledger account.
CREATE TABLE coupons (
    id               TEXT PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    quota_id         TEXT NOT NULL REFERENCES coupon_quotas(id),
    partner_id       TEXT NOT NULL REFERENCES partners(id),
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    coupon_type      INTEGER NOT NULL,
    status           INTEGER NOT NULL,
    face_value       BIGINT NOT NULL,
    effective_at     BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    service_types    TEXT NOT NULL DEFAULT '',
    product_ids      TEXT NOT NULL DEFAULT '',
    memo             TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    active_at        BIGINT,
    last_used_at     BIGINT,
    reclaimed_amount BIGINT NOT NULL DEFAULT 0,
    reclaimed_at     BIGINT
);
-- One index per filter of the issued-coupons list, each ending in the list's
-- order (newest first), so a page is read without sorting.
CREATE INDEX coupons_partner ON coupons (partner_id, created_at, id);
CREATE INDEX coupons_partner_type ON coupons (partner_id, coupon_type, created_at, id);
CREATE INDEX coupons_partner_status ON coupons (partner_id, status, created_at, id);
CREATE INDEX coupons_partner_type_status ON coupons (partner_id, coupon_type, status, created_at, id);
CREATE INDEX coupons_partner_customer ON coupons (partner_id, customer_id, created_at, id);
CREATE INDEX coupons_quota ON coupons (quota_id, created_at, id);
CREATE INDEX coupons_lifecycle ON coupons (status, effective_at, expires_at);

-- How many coupons each quota has in each status, kept in the transaction
-- that changes a coupon's status: the issued-coupons list counts its total
-- from here instead of counting up to millions of rows on every page.
CREATE TABLE coupon_counts (
    partner_id  TEXT NOT NULL,
    quota_id    TEXT NOT NULL,
    coupon_type INTEGER NOT NULL,
    status      INTEGER NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (partner_id, quota_id, coupon_type, status)
);

-- 操作记录: issue, reclaim, unbind auto-reclaim and expiry of coupons, and
-- issue and reclaim of resellers' quotas, each with its result.
CREATE TABLE coupon_records (
    id                  TEXT PRIMARY KEY,
    partner_id          TEXT NOT NULL,
    quota_type          INTEGER NOT NULL,
    quota_id            TEXT NOT NULL,
    coupon_id           TEXT,
    customer_id         TEXT,
    indirect_partner_id TEXT,
    operation           TEXT NOT NULL,
    amount              BIGINT NOT NULL,
    result              TEXT NOT NULL,
    reason              TEXT NOT NULL DEFAULT '',
    operator            TEXT NOT NULL,
    at                  BIGINT NOT NULL
);
CREATE INDEX coupon_records_partner ON coupon_records (partner_id, quota_type, at);
CREATE INDEX coupon_records_coupon ON coupon_records (coupon_id, at);

-- What consumed each coupon: an order payment or a bill.
CREATE TABLE coupon_usages (
    id        TEXT PRIMARY KEY,
    coupon_id TEXT NOT NULL REFERENCES coupons(id),
    reference TEXT NOT NULL,
    amount    BIGINT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX coupon_usages_coupon ON coupon_usages (coupon_id, at);
CREATE INDEX coupon_usages_reference ON coupon_usages (reference);

-- +goose Down
DROP TABLE coupon_counts;
DROP TABLE coupon_usages;
DROP TABLE coupon_records;
DROP TABLE coupons;
DROP TABLE coupon_quotas;
