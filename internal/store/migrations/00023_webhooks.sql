-- Callbacks (服务支持 > 能力开放 > 事件回调, internal/webhook): a partner's
-- endpoints, the outbox of events written in the same transaction as the
-- change they describe, one delivery per (event, endpoint subscribed when
-- the event was written), and the log of every delivery attempt.

-- +goose Up
CREATE TABLE webhook_endpoints (
    id               TEXT PRIMARY KEY,
    partner_id       TEXT NOT NULL REFERENCES partners(id),
    url              TEXT NOT NULL,
    secret           TEXT NOT NULL,                 -- whsec_..., sealed with the master key
    previous_secret  TEXT NOT NULL DEFAULT '',      -- sealed; still signs until previous_until (rotation overlap)
    previous_until   BIGINT,
    events           TEXT NOT NULL DEFAULT '',      -- subscribed event types, comma-separated, sorted; '' = none
    enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason  TEXT NOT NULL DEFAULT '',      -- why the delivery disabled it (410 Gone); '' when a user did
    description      TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
-- Emit's one read for every change of a partner: its enabled endpoints.
CREATE INDEX webhook_endpoints_partner ON webhook_endpoints (partner_id, enabled);

-- The outbox: one row per event.
CREATE TABLE webhook_events (
    id          TEXT PRIMARY KEY,                   -- evt_ + UUIDv7; the webhook-id header
    partner_id  TEXT NOT NULL,
    type        TEXT NOT NULL,
    payload     TEXT NOT NULL,                      -- the JSON body sent
    created_at  BIGINT NOT NULL
);
CREATE INDEX webhook_events_created ON webhook_events (created_at);

CREATE TABLE webhook_deliveries (
    id                TEXT PRIMARY KEY,
    event_id          TEXT NOT NULL REFERENCES webhook_events(id),
    endpoint_id       TEXT NOT NULL REFERENCES webhook_endpoints(id),
    partner_id        TEXT NOT NULL,
    event_type        TEXT NOT NULL,                -- the event's, for the log's filter
    status            TEXT NOT NULL,                -- pending, succeeded, failed (given up)
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,              -- retries stop here: 24 h after the event (or the re-send)
    leased_until      BIGINT,                       -- a node is sending it; another may take it after this
    lease_owner       TEXT NOT NULL DEFAULT '',
    last_status_code  INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    last_duration_ms  INTEGER NOT NULL DEFAULT 0,
    last_attempt_at   BIGINT,
    gave_up_reason    TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
-- The dispatcher's claim: due pending deliveries, oldest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_partner ON webhook_deliveries (partner_id, created_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- The delivery log: every attempt.
CREATE TABLE webhook_attempts (
    id            TEXT PRIMARY KEY,
    delivery_id   TEXT NOT NULL REFERENCES webhook_deliveries(id),
    attempted_at  BIGINT NOT NULL,
    status_code   INTEGER NOT NULL DEFAULT 0,       -- 0: no answer (refused, reset, timed out)
    error         TEXT NOT NULL DEFAULT '',
    duration_ms   INTEGER NOT NULL DEFAULT 0,
    response      TEXT NOT NULL DEFAULT ''          -- the first 1 KiB of the answer
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_endpoints;
