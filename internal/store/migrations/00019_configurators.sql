-- 解决方案配置中心: the configurator of a solution (a parameterised bill of
-- materials over the catalogue, kept as one JSON definition that is
-- checked whole on every save), its publication signed off by the PSA,
-- and the configuration lists (配置单) produced from it or imported, each
-- holding its values and its priced bill so that it never changes when
-- the configurator later does.

-- +goose Up
CREATE TABLE configurators (
    id               TEXT PRIMARY KEY,
    solution_id      TEXT NOT NULL UNIQUE REFERENCES solutions(id),
    partner_id       TEXT NOT NULL REFERENCES partners(id),
    -- editing, pending (publication requested), published
    status           TEXT NOT NULL,
    definition       TEXT NOT NULL,
    revision         BIGINT NOT NULL DEFAULT 1,
    requested_by     TEXT NOT NULL DEFAULT '',
    requested_at     BIGINT,
    decided_by       TEXT NOT NULL DEFAULT '',
    decided_at       BIGINT,
    decision_comment TEXT NOT NULL DEFAULT '',  -- the PSA's reason of a return
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX configurators_partner ON configurators (partner_id, updated_at);
CREATE INDEX configurators_status ON configurators (status, requested_at);

CREATE TABLE configuration_lists (
    id              TEXT PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,          -- shown to users: PZ261205ABCDEFGH
    partner_id      TEXT NOT NULL REFERENCES partners(id),
    configurator_id TEXT NOT NULL REFERENCES configurators(id),
    name            TEXT NOT NULL,
    source          TEXT NOT NULL,                 -- configurator | import
    list_day        BIGINT NOT NULL,               -- the list's date, a billing day (UTC+8)
    param_values    TEXT NOT NULL DEFAULT '{}',    -- the parameter values it was produced with
    bill            TEXT NOT NULL,                 -- the priced bill of materials, JSON
    list_amount     BIGINT NOT NULL,               -- fen
    discount        BIGINT NOT NULL,
    total           BIGINT NOT NULL,
    opportunity_id  TEXT REFERENCES opportunities(id),
    linked_at       BIGINT,
    status          TEXT NOT NULL,                 -- draft | submitted
    submitted_at    BIGINT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX configuration_lists_partner ON configuration_lists (partner_id, created_at);
CREATE INDEX configuration_lists_configurator ON configuration_lists (configurator_id, created_at);

-- +goose Down
DROP TABLE configuration_lists;
DROP TABLE configurators;
