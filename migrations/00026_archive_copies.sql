-- A review imported from an archive keeps its visit teams as they were: the people were on site
-- on those days in the original review, so the copy's days would clash with the original's under
-- the unique key (tenant, user, day) and were dropped. Imported days are the copy's own record of
-- who went where, not a plan: they are marked imported, the unique key covers only planned days,
-- and the clash checks read planned days only. Days the lead saves through the visit form later
-- are planned days again (imported = false) and meet every check.

-- +goose Up
ALTER TABLE visit_days ADD COLUMN imported boolean NOT NULL DEFAULT false;
ALTER TABLE visit_days DROP CONSTRAINT visit_days_tenant_id_user_id_day_key;
CREATE UNIQUE INDEX visit_days_on_site_idx ON visit_days (tenant_id, user_id, day) WHERE NOT imported;

-- +goose Down
DELETE FROM visit_days WHERE imported;
DROP INDEX visit_days_on_site_idx;
ALTER TABLE visit_days ADD CONSTRAINT visit_days_tenant_id_user_id_day_key UNIQUE (tenant_id, user_id, day);
ALTER TABLE visit_days DROP COLUMN imported;
