-- +goose Up
-- Batch 拨款 / 回收 from an uploaded file: the batch (one file, one
-- operation) and one row per line of the file with its validation result
-- and, once applied, its outcome. file_sha256 with the line number derives
-- each row's client id, so that uploading the same file again replays the
-- rows already applied instead of paying them twice.
CREATE TABLE fund_batches (
    id           TEXT PRIMARY KEY,
    partner_id   TEXT NOT NULL REFERENCES partners(id),
    user_id      TEXT NOT NULL,
    operator     TEXT NOT NULL,
    operation    TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    file_sha256  TEXT NOT NULL,
    status       TEXT NOT NULL,
    rows_total   INTEGER NOT NULL,
    rows_invalid INTEGER NOT NULL,
    rows_done    INTEGER NOT NULL DEFAULT 0,
    rows_failed  INTEGER NOT NULL DEFAULT 0,
    amount_total BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    confirmed_at BIGINT,
    finished_at  BIGINT
);
CREATE INDEX fund_batches_partner ON fund_batches (partner_id, created_at);
CREATE INDEX fund_batches_file ON fund_batches (partner_id, file_sha256);

CREATE TABLE fund_batch_rows (
    batch_id     TEXT NOT NULL REFERENCES fund_batches(id) ON DELETE CASCADE,
    line         INTEGER NOT NULL,
    customer_ref TEXT NOT NULL,
    customer_id  TEXT NOT NULL DEFAULT '',
    account_name TEXT NOT NULL DEFAULT '',
    amount_text  TEXT NOT NULL,
    amount       BIGINT NOT NULL DEFAULT 0,
    memo         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    problem      TEXT NOT NULL DEFAULT '',
    problem_arg  TEXT NOT NULL DEFAULT '',
    trans_id     TEXT NOT NULL DEFAULT '',
    replayed     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (batch_id, line)
);
CREATE INDEX fund_batch_rows_status ON fund_batch_rows (batch_id, status, line);

-- One-time tokens of the console's money forms: a form carries a random
-- token, and the change it submits claims it in the same transaction, so a
-- double submit (two clicks, a reload) moves money once.
CREATE TABLE form_submissions (
    token   TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX form_submissions_at ON form_submissions (at);

-- +goose Down
DROP TABLE form_submissions;
DROP TABLE fund_batch_rows;
DROP TABLE fund_batches;
