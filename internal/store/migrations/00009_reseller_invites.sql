-- +goose Up
-- A total distributor's invitation to an existing reseller to sell through
-- it. The invited reseller accepts or declines; an invitation left open past
-- expires_at can no longer be accepted. Rows are kept after the decision as
-- the record of who joined whom when.
CREATE TABLE reseller_invites (
    id             TEXT PRIMARY KEY,
    distributor_id TEXT NOT NULL REFERENCES partners(id),
    reseller_id    TEXT NOT NULL REFERENCES partners(id),
    status         TEXT NOT NULL, -- pending, accepted, declined, expired
    invited_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    decided_at     BIGINT
);
CREATE INDEX reseller_invites_reseller ON reseller_invites (reseller_id, status, created_at);
CREATE INDEX reseller_invites_distributor ON reseller_invites (distributor_id, status, created_at);
-- Two concurrent invitations of one pair cannot both stay open.
CREATE UNIQUE INDEX reseller_invites_open ON reseller_invites (distributor_id, reseller_id) WHERE status = 'pending';

-- +goose Down
DROP TABLE reseller_invites;
