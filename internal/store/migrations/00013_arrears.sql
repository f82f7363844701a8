-- Arrears of pay-per-use customers and the simulated clock.

-- +goose Up
-- A customer whose balance could not pay its metered hours. debt is what is
-- still owed (fen); since is the start of the first hour not paid while the
-- debt is open (NULL once it is paid); frozen_at is when metering froze the
-- customer's pay-per-use resources for it (NULL when not frozen by
-- arrears). settled counts every fen of debt ever paid, so that the fee
-- records' debt equals debt + settled.
CREATE TABLE customer_arrears (
    customer_id  TEXT PRIMARY KEY REFERENCES customers(id),
    partner_id   TEXT NOT NULL REFERENCES partners(id),
    debt         BIGINT NOT NULL DEFAULT 0,
    settled      BIGINT NOT NULL DEFAULT 0,
    since        BIGINT,
    frozen_at    BIGINT,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX customer_arrears_open ON customer_arrears (since) WHERE debt > 0;

-- The simulated clock: how far the deployment's clock runs ahead of the
-- wall clock (microseconds). One row; `partnercenter simulate` advances it.
CREATE TABLE sim_clock (
    id             INTEGER PRIMARY KEY,
    offset_micros  BIGINT NOT NULL
);
INSERT INTO sim_clock (id, offset_micros) VALUES (1, 0);

-- Finds the pay-per-use resources due for metering without reading the others.
CREATE INDEX cloud_resources_metering ON cloud_resources (charging_mode, status, customer_id);
-- Finds a customer's usable coupons when its hours are charged.
CREATE INDEX coupons_customer_status ON coupons (customer_id, status, expires_at);

-- +goose Down
DROP INDEX coupons_customer_status;
DROP INDEX cloud_resources_metering;
DROP TABLE sim_clock;
DROP TABLE customer_arrears;
