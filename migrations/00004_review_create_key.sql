-- A review remembers the idempotency key of the form that created it, so that the same form sent
-- twice (a double click, a retry) creates one review.

-- +goose Up
ALTER TABLE reviews ADD COLUMN create_key text CHECK (length(create_key) <= 64);
CREATE UNIQUE INDEX reviews_create_key_idx ON reviews (tenant_id, create_key) WHERE create_key IS NOT NULL;

-- +goose Down
DROP INDEX reviews_create_key_idx;
ALTER TABLE reviews DROP COLUMN create_key;
