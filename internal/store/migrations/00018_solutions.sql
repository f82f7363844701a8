-- Solutions (解决方案构建): a partner's solution from its draft through
-- joint approval (联合立项) by the provider's PSA, joint design and
-- validation, configurator development and publication; the files it is
-- submitted with (立项材料, 功能清单), the timeline of every transition,
-- and the PSA assistance thread.

-- +goose Up
CREATE TABLE solutions (
    id            TEXT PRIMARY KEY,
    partner_id    TEXT NOT NULL REFERENCES partners(id),
    name          TEXT NOT NULL,
    industry      TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    -- draft, joint_approval, returned, joint_design, joint_validation,
    -- configurator_dev, published, offline (solution.Statuses)
    status        TEXT NOT NULL,
    return_reason TEXT NOT NULL DEFAULT '',   -- the PSA's reason when returned
    psa_user_id   TEXT REFERENCES users(id),  -- the PSA who approved it
    submitted_at  BIGINT,
    approved_at   BIGINT,
    published_at  BIGINT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX solutions_partner ON solutions (partner_id, updated_at);
CREATE INDEX solutions_status ON solutions (status, updated_at);

-- The files a solution is submitted with, by kind (approval: 立项材料,
-- features: 功能清单); upload_id names the stored file.
CREATE TABLE solution_files (
    id           TEXT PRIMARY KEY,
    solution_id  TEXT NOT NULL REFERENCES solutions(id),
    kind         TEXT NOT NULL,
    upload_id    TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    size         BIGINT NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX solution_files_solution ON solution_files (solution_id, kind, created_at);

-- The timeline: every transition and edit, by whom, when, with a comment
-- (the reason of a return).
CREATE TABLE solution_events (
    id          TEXT PRIMARY KEY,
    solution_id TEXT NOT NULL REFERENCES solutions(id),
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    comment     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX solution_events_solution ON solution_events (solution_id, at);

-- PSA assistance (申请PSA协助): messages between the partner and the PSA
-- on one solution, side partner or psa.
CREATE TABLE solution_messages (
    id          TEXT PRIMARY KEY,
    solution_id TEXT NOT NULL REFERENCES solutions(id),
    side        TEXT NOT NULL,
    author_id   TEXT NOT NULL DEFAULT '',
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX solution_messages_solution ON solution_messages (solution_id, created_at);

-- +goose Down
DROP TABLE solution_messages;
DROP TABLE solution_events;
DROP TABLE solution_files;
DROP TABLE solutions;
