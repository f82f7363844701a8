-- 发票管理: a partner's invoice information (发票信息, the titles it is
-- invoiced under) and its invoice requests against the money it paid, from
-- the provider finance's review to the partner's signature (签收) or return
-- (退票). Changes are written to the audit log, which is also the requests'
-- timeline and the information records' change history.

-- +goose Up
-- One row per partner that has touched invoicing. Creating an information
-- record or a request first writes this row, which serialises them per
-- partner: on PostgreSQL the write takes the row lock, so two requests at
-- once cannot both pass the invoiceable check.
CREATE TABLE invoice_accounts (
    partner_id TEXT PRIMARY KEY REFERENCES partners(id),
    touched_at BIGINT NOT NULL
);

CREATE TABLE invoice_infos (
    id           TEXT PRIMARY KEY,
    partner_id   TEXT NOT NULL REFERENCES partners(id),
    title_type   TEXT NOT NULL,               -- enterprise | organisation
    invoice_type TEXT NOT NULL,               -- vat_special | vat_ordinary
    title        TEXT NOT NULL,
    taxpayer_id  TEXT NOT NULL,
    bank_name    TEXT NOT NULL DEFAULT '',
    bank_account TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX invoice_infos_partner ON invoice_infos (partner_id, created_at);

-- A request keeps a copy of the information it was made with: the invoice
-- shows the title as it was, whatever is edited later.
CREATE TABLE invoice_requests (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,        -- shown to users: INV261205KQXABMNP
    client_id      TEXT UNIQUE,                 -- the submitting form's token: a resubmission finds the first request
    partner_id     TEXT NOT NULL REFERENCES partners(id),
    info_id        TEXT NOT NULL REFERENCES invoice_infos(id),
    title_type     TEXT NOT NULL,
    invoice_type   TEXT NOT NULL,
    title          TEXT NOT NULL,
    taxpayer_id    TEXT NOT NULL,
    bank_name      TEXT NOT NULL DEFAULT '',
    bank_account   TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    amount         BIGINT NOT NULL,             -- fen, tax included
    status         TEXT NOT NULL,               -- pending_review, issuing, pending_receipt, issued, rejected, returned
    reason         TEXT NOT NULL DEFAULT '',    -- why it was rejected or returned
    invoice_number TEXT UNIQUE,                 -- assigned when issued
    requested_by   TEXT NOT NULL,
    requested_at   BIGINT NOT NULL,
    reviewed_at    BIGINT,
    issued_at      BIGINT,
    signed_at      BIGINT,
    returned_at    BIGINT,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX invoice_requests_partner ON invoice_requests (partner_id, requested_at);
CREATE INDEX invoice_requests_partner_status ON invoice_requests (partner_id, status, requested_at);
CREATE INDEX invoice_requests_status ON invoice_requests (status, requested_at);

-- The change history of a record and the timeline of a request are read
-- from the audit log by object.
CREATE INDEX audit_log_object_at ON audit_log (object_id, at);

-- +goose Down
DROP INDEX audit_log_object_at;
DROP TABLE invoice_requests;
DROP TABLE invoice_infos;
DROP TABLE invoice_accounts;
