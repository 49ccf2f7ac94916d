-- The name to show for a local authority: the official name without its ", City of" or
-- ", County of" suffix ("Kingston upon Hull, City of" shows as "Kingston upon Hull").

-- +goose Up
ALTER TABLE local_authorities
    ADD COLUMN display_name text GENERATED ALWAYS AS (regexp_replace(name, ', (City|County) of$', '')) STORED;

-- +goose Down
ALTER TABLE local_authorities DROP COLUMN display_name;
