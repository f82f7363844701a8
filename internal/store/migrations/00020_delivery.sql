-- Uploaded files (internal/upload) and project delivery evaluation
-- (交付 > 基线解决方案 > 项目交付评价, internal/delivery): projects registered
-- from won opportunities, the partner's delivery feedback, the provider's
-- reproducible sampling runs, and evidence rounds with their evaluation.

-- +goose Up
-- One row per uploaded file; the bytes live in the blob store under the id.
CREATE TABLE uploads (
    id           TEXT PRIMARY KEY,
    partner_id   TEXT NOT NULL REFERENCES partners(id),  -- the owner; only it and provider staff may download
    kind         TEXT NOT NULL,                          -- e.g. delivery.sow, solution.material
    name         TEXT NOT NULL,                          -- as uploaded, cleaned; shown and offered as the download name
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,                          -- sniffed from the bytes
    sha256       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX uploads_partner ON uploads (partner_id, created_at);

-- A project registered (已登记) when a PO is won, one per opportunity.
CREATE TABLE delivery_projects (
    id                 TEXT PRIMARY KEY,
    opportunity_id     TEXT NOT NULL UNIQUE REFERENCES opportunities(id),
    partner_id         TEXT NOT NULL REFERENCES partners(id),
    code               TEXT NOT NULL,                 -- the opportunity's code, shown to users
    project_name       TEXT NOT NULL DEFAULT '',
    customer_name      TEXT NOT NULL DEFAULT '',
    amount             BIGINT NOT NULL DEFAULT 0,     -- fen
    status             TEXT NOT NULL,                 -- registered, accepted (已验收), terminated (中止交易)
    status_day         BIGINT,                        -- the acceptance or termination date, a billing day
    status_note        TEXT NOT NULL DEFAULT '',
    status_by          TEXT NOT NULL DEFAULT '',
    status_at          BIGINT,
    -- The evaluation flow of an accepted project: awaiting_sampling, not_sampled,
    -- evidence_required (sampled), evaluating, passed, rejected; '' before acceptance.
    evaluation         TEXT NOT NULL DEFAULT '',
    sampling_run_id    TEXT,
    evidence_round     INTEGER NOT NULL DEFAULT 0,    -- the latest submitted round
    registered_at      BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX delivery_projects_partner ON delivery_projects (partner_id, registered_at);
CREATE INDEX delivery_projects_evaluation ON delivery_projects (evaluation, status_at);

-- A sampling run: the seed, the rate and the ordered candidate set are
-- stored with the draw, so that anyone can recompute the draw from them.
CREATE TABLE delivery_sampling_runs (
    id                TEXT PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE,
    rate_bp           INTEGER NOT NULL,      -- basis points: 1000 = 10%
    seed              TEXT NOT NULL,         -- hex
    candidate_count   INTEGER NOT NULL,
    candidates        TEXT NOT NULL,         -- project ids, newline-separated, in candidate order
    candidates_sha256 TEXT NOT NULL,
    drawn_count       INTEGER NOT NULL,
    drawn             TEXT NOT NULL,         -- the drawn project ids, newline-separated, in candidate order
    run_by            TEXT NOT NULL,         -- a user id, or 'job'
    created_at        BIGINT NOT NULL
);
CREATE INDEX delivery_sampling_runs_created ON delivery_sampling_runs (created_at);

-- The sampling rate and how often the job runs; one row.
CREATE TABLE delivery_settings (
    id            INTEGER PRIMARY KEY,
    rate_bp       INTEGER NOT NULL,
    interval_days INTEGER NOT NULL,
    updated_by    TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL
);

-- One submission of evidence by a sampled project's partner, and its evaluation.
CREATE TABLE delivery_evidence_rounds (
    project_id    TEXT NOT NULL REFERENCES delivery_projects(id),
    round         INTEGER NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    submitted_by  TEXT NOT NULL,
    submitted_at  BIGINT NOT NULL,
    result        TEXT NOT NULL DEFAULT '',  -- '' while evaluating, passed, rejected
    score         INTEGER,
    comment       TEXT NOT NULL DEFAULT '',
    evaluated_by  TEXT NOT NULL DEFAULT '',
    evaluated_at  BIGINT,
    PRIMARY KEY (project_id, round)
);

-- The files of one round, by evidence item (sow, acceptance, plan, staff, thanks, retrospective).
CREATE TABLE delivery_evidence_files (
    project_id TEXT NOT NULL,
    round      INTEGER NOT NULL,
    item       TEXT NOT NULL,
    upload_id  TEXT NOT NULL REFERENCES uploads(id),
    PRIMARY KEY (project_id, round, item, upload_id),
    FOREIGN KEY (project_id, round) REFERENCES delivery_evidence_rounds(project_id, round)
);

-- +goose Down
DROP TABLE delivery_evidence_files;
DROP TABLE delivery_evidence_rounds;
DROP TABLE delivery_settings;
DROP TABLE delivery_sampling_runs;
DROP TABLE delivery_projects;
DROP TABLE uploads;
