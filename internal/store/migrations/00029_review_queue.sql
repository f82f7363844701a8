-- +goose Up
-- The provider's review queue lists POs overdue first, then the other open
-- ones, then the decided ones, each part by due date (none counting as 0),
-- the newest first among equals. Which POs are overdue depends on the time
-- of the query, so the queue is read as one ordered range of this index per
-- part and status (submitted and overdue, action required, ...), each
-- stopped after the page. On the large demo data set (900,000 POs past
-- their draft) the page took 4.6 s counting and sorting them all
-- (docs/performance.md, "On the large data set").
CREATE INDEX opportunities_review_queue ON opportunities (origin, review_status, (COALESCE(review_due_at, 0)), created_at DESC, id);

-- +goose Down
DROP INDEX opportunities_review_queue;
