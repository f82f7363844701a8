-- The simulated provider cloud: its catalogue, the orders partners place
-- for their customers, and the resources those orders (or the customers
-- themselves, for pay-per-use) create.

-- +goose Up
CREATE TABLE cloud_service_types (
    code     TEXT PRIMARY KEY,          -- hws.service.type.ebs
    name_zh  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    sort     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE cloud_regions (
    code     TEXT PRIMARY KEY,          -- cn-north-4
    name_zh  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    sort     INTEGER NOT NULL DEFAULT 0
);

-- A product is one resource spec of a service with its prices. Prices of
-- 包年/包月 are fen per unit and period; the pay-per-use rate is in units of
-- 1e-8 yuan per usage unit (the provider quotes up to 8 decimals).
CREATE TABLE cloud_products (
    id                  TEXT PRIMARY KEY,
    service_type_code   TEXT NOT NULL REFERENCES cloud_service_types(code),
    resource_type_code  TEXT NOT NULL,
    resource_type_zh    TEXT NOT NULL,
    resource_type_en    TEXT NOT NULL,
    spec_code           TEXT NOT NULL UNIQUE,
    spec_zh             TEXT NOT NULL,
    spec_en             TEXT NOT NULL,
    regions             TEXT NOT NULL DEFAULT '',  -- comma-separated region codes; '' sells in every region
    monthly_price       BIGINT NOT NULL DEFAULT 0, -- 0: not sold by the month
    yearly_price        BIGINT NOT NULL DEFAULT 0, -- 0: not sold by the year
    usage_unit          TEXT NOT NULL DEFAULT '',  -- '' : not sold pay-per-use
    usage_rate          BIGINT NOT NULL DEFAULT 0, -- 1e-8 yuan per usage unit and hour
    incentive           BOOLEAN NOT NULL DEFAULT FALSE,
    on_sale             BOOLEAN NOT NULL DEFAULT TRUE,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX cloud_products_service ON cloud_products (service_type_code, spec_code);

-- Whether a resale customer lets its partner order on its behalf (代客下单).
-- The customer grants or revokes it on its own page, reached by a link.
CREATE TABLE order_authorisations (
    customer_id  TEXT PRIMARY KEY REFERENCES customers(id),
    partner_id   TEXT NOT NULL REFERENCES partners(id),
    token_hash   TEXT NOT NULL UNIQUE,
    granted      BOOLEAN NOT NULL DEFAULT FALSE,
    changed_at   BIGINT NOT NULL
);

CREATE TABLE customer_orders (
    id                TEXT PRIMARY KEY,
    partner_id        TEXT NOT NULL REFERENCES partners(id),
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    order_type        INTEGER NOT NULL,  -- 1 new, 2 renew, 3 change, 4 unsubscribe
    status            INTEGER NOT NULL,  -- 6 pending payment, 5 completed, 4 cancelled
    source_type       INTEGER NOT NULL,  -- 2 placed by the partner
    service_type_code TEXT NOT NULL,     -- of the first line
    official_amount   BIGINT NOT NULL,   -- list price, fen; negative for refunds
    discount_amount   BIGINT NOT NULL DEFAULT 0,
    amount            BIGINT NOT NULL,   -- after discount: what is paid (or refunded when negative)
    coupon_amount     BIGINT NOT NULL DEFAULT 0,
    balance_amount    BIGINT NOT NULL DEFAULT 0,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    payment_deadline  BIGINT NOT NULL,
    paid_at           BIGINT,
    cancelled_at      BIGINT,
    cancel_reason     TEXT NOT NULL DEFAULT '',
    trans_id          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX customer_orders_partner ON customer_orders (partner_id, created_at);
CREATE INDEX customer_orders_customer ON customer_orders (customer_id, created_at);
CREATE INDEX customer_orders_pending ON customer_orders (status, payment_deadline);

CREATE TABLE customer_order_lines (
    id                TEXT PRIMARY KEY,
    order_id          TEXT NOT NULL REFERENCES customer_orders(id),
    line_no           INTEGER NOT NULL,
    product_id        TEXT NOT NULL REFERENCES cloud_products(id),
    service_type_code TEXT NOT NULL,
    region_code       TEXT NOT NULL,
    period_type       INTEGER NOT NULL,  -- 2 month, 3 year (the API's period_type)
    period_num        INTEGER NOT NULL,
    quantity          INTEGER NOT NULL,
    official_amount   BIGINT NOT NULL,
    amount            BIGINT NOT NULL,
    resource_id       TEXT NOT NULL DEFAULT '', -- renew/change/unsubscribe: the resource; new: the one created at payment
    resource_name     TEXT NOT NULL DEFAULT '',
    effective_at      BIGINT,
    expires_at        BIGINT
);
CREATE INDEX customer_order_lines_order ON customer_order_lines (order_id, line_no);
CREATE INDEX customer_order_lines_resource ON customer_order_lines (resource_id);

CREATE TABLE customer_order_coupons (
    order_id   TEXT NOT NULL REFERENCES customer_orders(id),
    coupon_id  TEXT NOT NULL REFERENCES coupons(id),
    amount     BIGINT NOT NULL,
    PRIMARY KEY (order_id, coupon_id)
);

-- A customer's resources. charging_mode 1 is 包年/包月 (created by a paid
-- order, with an expiry), 3 is pay-per-use (metered by the hour).
CREATE TABLE cloud_resources (
    id                 TEXT PRIMARY KEY,
    partner_id         TEXT NOT NULL REFERENCES partners(id),
    customer_id        TEXT NOT NULL REFERENCES customers(id),
    name               TEXT NOT NULL,
    product_id         TEXT NOT NULL REFERENCES cloud_products(id),
    service_type_code  TEXT NOT NULL,
    resource_type_code TEXT NOT NULL,
    spec_code          TEXT NOT NULL,
    region_code        TEXT NOT NULL,
    charging_mode      INTEGER NOT NULL,
    quantity           INTEGER NOT NULL DEFAULT 1, -- usage units (size) per hour, or subscriptions
    status             TEXT NOT NULL,              -- active, grace, frozen, closed
    order_id           TEXT NOT NULL DEFAULT '',
    effective_at       BIGINT NOT NULL,
    expires_at         BIGINT,                      -- 包年/包月 only
    auto_renew         BOOLEAN NOT NULL DEFAULT FALSE,
    frozen_at          BIGINT,
    closed_at          BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX cloud_resources_customer ON cloud_resources (customer_id, charging_mode, created_at);
CREATE INDEX cloud_resources_partner ON cloud_resources (partner_id, charging_mode, created_at);
CREATE INDEX cloud_resources_expiry ON cloud_resources (charging_mode, status, expires_at);

-- +goose Down
DROP TABLE cloud_resources;
DROP TABLE customer_order_coupons;
DROP TABLE customer_order_lines;
DROP TABLE customer_orders;
DROP TABLE order_authorisations;
DROP TABLE cloud_products;
DROP TABLE cloud_regions;
DROP TABLE cloud_service_types;
