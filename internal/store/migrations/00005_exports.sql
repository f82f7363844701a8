-- +goose Up
-- Background exports (收支明细, 调账记录, ...): what was asked, its progress,
-- and the finished file, stored in the database in chunks so that any node
-- can serve the download. Files are removed when they expire.
CREATE TABLE exports (
    id          TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    params      TEXT NOT NULL,
    format      TEXT NOT NULL,
    locale      TEXT NOT NULL,
    status      TEXT NOT NULL,
    rows_done   BIGINT NOT NULL DEFAULT 0,
    rows_total  BIGINT NOT NULL DEFAULT 0,
    file_name   TEXT NOT NULL DEFAULT '',
    size        BIGINT NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    finished_at BIGINT,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX exports_owner ON exports (partner_id, user_id, created_at);
CREATE INDEX exports_expires ON exports (expires_at);

CREATE TABLE export_chunks (
    export_id TEXT NOT NULL REFERENCES exports(id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    data      BYTEA NOT NULL,
    PRIMARY KEY (export_id, seq)
);

-- +goose Down
DROP TABLE export_chunks;
DROP TABLE exports;
