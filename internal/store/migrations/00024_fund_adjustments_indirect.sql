-- +goose Up
-- 调账记录 filtered by customer match the customer or the indirect reseller
-- (the API names a reseller in customer_id). With an index on each side the
-- OR is answered from both indexes instead of scanning every record of the
-- partner: 5.15 ms to 0.30 ms per query on a partner with a few hundred
-- thousand records (docs/performance.md, mixed workload).
CREATE INDEX fund_adjustments_indirect ON fund_adjustments (partner_id, indirect_partner, at);

-- +goose Down
DROP INDEX fund_adjustments_indirect;
