-- Co-selling opportunities (机会点管理): partner-originated (PO) deal
-- registrations reviewed by the provider, provider-originated (HO)
-- opportunities shared with eligible partners, the offices and PSMs that
-- review them, the working-day calendar of the review SLA, the timeline of
-- every change, and the console inbox.

-- +goose Up
CREATE TABLE offices (
    id         TEXT PRIMARY KEY,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The PSMs of an office and the industries each covers (comma-separated
-- codes; empty covers none in particular).
CREATE TABLE office_psms (
    office_id  TEXT NOT NULL REFERENCES offices(id),
    user_id    TEXT NOT NULL REFERENCES users(id),
    industries TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (office_id, user_id)
);

-- Exceptions to the Monday-Friday working week, by billing day (UTC+8):
-- holidays on weekdays and working weekend days (调休).
CREATE TABLE working_calendar (
    day      BIGINT PRIMARY KEY,   -- days since 1970-01-01 in UTC+8
    working  BOOLEAN NOT NULL,
    name     TEXT NOT NULL DEFAULT ''
);

-- Membership of the co-selling programme, one of the ways to HO eligibility.
ALTER TABLE partners ADD COLUMN coselling BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE opportunities (
    id               TEXT PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,          -- shown to users: PO2612040001 / HO2612040001
    origin           TEXT NOT NULL,                 -- PO | HO
    partner_id       TEXT REFERENCES partners(id),  -- PO: the registering partner; HO: the partner that accepted
    customer_id      TEXT REFERENCES customers(id), -- a registered or associated customer
    prospect_name    TEXT NOT NULL DEFAULT '',      -- a prospect without a cloud account
    customer_key     TEXT NOT NULL,                 -- normalised customer for duplicate detection
    project_name     TEXT NOT NULL DEFAULT '',
    project_key      TEXT NOT NULL DEFAULT '',      -- normalised project name
    industry         TEXT NOT NULL DEFAULT '',
    office_id        TEXT REFERENCES offices(id),
    products         TEXT NOT NULL DEFAULT '',      -- comma-separated service type codes
    amount           BIGINT NOT NULL DEFAULT 0,     -- estimated, fen
    expected_close   BIGINT,                        -- a billing day
    partner_solution TEXT NOT NULL DEFAULT '',
    customer_consent BOOLEAN NOT NULL DEFAULT FALSE,
    contact_name     TEXT NOT NULL DEFAULT '',
    contact_phone    TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    review_status    TEXT NOT NULL,                 -- draft, submitted, in_review, action_required, approved, rejected, expired
    sales_stage      TEXT NOT NULL,                 -- identify, share, confirm, won, lost
    lost_reason      TEXT NOT NULL DEFAULT '',
    psm_user_id      TEXT REFERENCES users(id),
    pdm_user_id      TEXT REFERENCES users(id),     -- NULL with pdm_queue: the central PDM queue
    pdm_queue        BOOLEAN NOT NULL DEFAULT FALSE,
    checklist        TEXT NOT NULL DEFAULT '',      -- the review checklist items ticked, comma-separated
    reviewer_comment TEXT NOT NULL DEFAULT '',
    decision_reason  TEXT NOT NULL DEFAULT '',
    duplicate_of     TEXT NOT NULL DEFAULT '',
    submitted_at     BIGINT,
    review_due_at    BIGINT,
    decided_at       BIGINT,
    approved_at      BIGINT,
    signed_at        BIGINT,
    delivered_at     BIGINT,
    bd_reported_at   BIGINT,                        -- prospect without an account reported by the BD
    crm_lock_until   BIGINT,                        -- the prospect is released to the partner after this
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX opportunities_partner ON opportunities (partner_id, created_at);
CREATE INDEX opportunities_partner_status ON opportunities (partner_id, review_status, created_at);
CREATE INDEX opportunities_partner_stage ON opportunities (partner_id, sales_stage, created_at);
CREATE INDEX opportunities_psm ON opportunities (psm_user_id, review_status);
CREATE INDEX opportunities_due ON opportunities (review_status, review_due_at);
CREATE INDEX opportunities_duplicates ON opportunities (customer_key, project_key);
CREATE INDEX opportunities_delivered ON opportunities (partner_id, delivered_at);

-- An HO offered to a partner, and the partner's answer.
CREATE TABLE opportunity_shares (
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id),
    partner_id     TEXT NOT NULL REFERENCES partners(id),
    status         TEXT NOT NULL,  -- offered, accepted, rejected, expired, withdrawn
    reason         TEXT NOT NULL DEFAULT '',
    shared_by      TEXT NOT NULL,
    shared_at      BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    answered_at    BIGINT,
    PRIMARY KEY (opportunity_id, partner_id)
);
CREATE INDEX opportunity_shares_partner ON opportunity_shares (partner_id, status, shared_at);
CREATE INDEX opportunity_shares_expiry ON opportunity_shares (status, expires_at);

-- The timeline: every change, by whom, with the fields changed.
CREATE TABLE opportunity_events (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id),
    at             BIGINT NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    changes        TEXT NOT NULL DEFAULT '{}',  -- JSON: field → [before, after]
    comment        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX opportunity_events_opportunity ON opportunity_events (opportunity_id, at);

-- The console inbox. A notification goes to one user, or to every user of
-- a partner holding the opportunity permission (user_id empty).
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    partner_id  TEXT REFERENCES partners(id),
    user_id     TEXT REFERENCES users(id),
    kind        TEXT NOT NULL,
    subject_id  TEXT NOT NULL DEFAULT '',
    args        TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    read_at     BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_partner ON notifications (partner_id, created_at);

-- +goose Down
DROP TABLE notifications;
DROP TABLE opportunity_events;
DROP TABLE opportunity_shares;
DROP TABLE opportunities;
ALTER TABLE partners DROP COLUMN coselling;
DROP TABLE working_calendar;
DROP TABLE office_psms;
DROP TABLE offices;
