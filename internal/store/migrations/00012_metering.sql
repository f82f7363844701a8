-- Consumption of the simulated cloud: one fee record per pay-per-use
-- resource and hour, and one per paid (or refunded) 包年/包月 order, so bills
-- and consumption read a single table; customers in arrears; the simulated
-- clock.

-- +goose Up
CREATE TABLE fee_records (
    id                 TEXT PRIMARY KEY,
    ref                TEXT NOT NULL UNIQUE,     -- usage:<resource id>:<hour start micros> or order:<order id>: charged once
    source             TEXT NOT NULL,            -- usage | order
    partner_id         TEXT NOT NULL REFERENCES partners(id),
    customer_id        TEXT NOT NULL REFERENCES customers(id),
    charging_mode      INTEGER NOT NULL,         -- 1 包年/包月, 3 pay-per-use
    resource_id        TEXT NOT NULL DEFAULT '',
    order_id           TEXT NOT NULL DEFAULT '',
    service_type_code  TEXT NOT NULL,
    resource_type_code TEXT NOT NULL,
    product_id         TEXT NOT NULL,
    region_code        TEXT NOT NULL,
    fee_at             BIGINT NOT NULL,          -- start of the hour, or the payment time
    bill_month         INTEGER NOT NULL,         -- 202612, by the billing day (UTC+8)
    usage_quantity     BIGINT NOT NULL DEFAULT 0,
    rated_amount       BIGINT NOT NULL DEFAULT 0, -- before rounding, in 1e-8 yuan
    amount             BIGINT NOT NULL,          -- fen due (negative for refunds)
    coupon_amount      BIGINT NOT NULL DEFAULT 0,
    balance_amount     BIGINT NOT NULL DEFAULT 0,
    debt_amount        BIGINT NOT NULL DEFAULT 0, -- what the balance could not cover
    manager_user_id    TEXT NOT NULL DEFAULT '', -- customer manager in charge at fee_at
    created_at         BIGINT NOT NULL
);
CREATE INDEX fee_records_partner_month ON fee_records (partner_id, bill_month, customer_id);
CREATE INDEX fee_records_customer ON fee_records (customer_id, fee_at);
CREATE INDEX fee_records_resource ON fee_records (resource_id, fee_at);

-- The metering cursor of a pay-per-use resource and the part of a fen
-- rated but not yet charged (1e-8 yuan), carried to the next hour.
ALTER TABLE cloud_resources ADD COLUMN metered_until BIGINT;
ALTER TABLE cloud_resources ADD COLUMN rate_carry BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE cloud_resources DROP COLUMN rate_carry;
ALTER TABLE cloud_resources DROP COLUMN metered_until;
DROP TABLE fee_records;
