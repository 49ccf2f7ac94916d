-- A visit's team. A person's team role (job title) and inspectorate may differ from visit to visit:
-- a lead inspector on one, a team member on another. visit_members says who is on a visit's team,
-- with the role and inspectorate they hold on it; NULL means "as on the People page"
-- (review_members). visit_days stay the days on site: the store writes a visit_members row for
-- everyone with days, and readers treat a person with days as on the team.
-- A visit's start may not be known yet: start_date becomes nullable. Such a visit has its number of
-- days and its team but no days on site until the start is fixed.

-- +goose Up
CREATE TABLE visit_members (
    tenant_id    uuid NOT NULL,
    visit_id     uuid NOT NULL,
    member_id    uuid NOT NULL,
    review_id    uuid NOT NULL,
    inspectorate text,
    job_title    text,
    PRIMARY KEY (tenant_id, visit_id, member_id),
    FOREIGN KEY (tenant_id, visit_id) REFERENCES visits (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, member_id) REFERENCES review_members (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, review_id, inspectorate) REFERENCES review_inspectorates (tenant_id, review_id, name)
        ON UPDATE CASCADE,
    FOREIGN KEY (tenant_id, review_id, job_title) REFERENCES review_team_roles (tenant_id, review_id, name)
        ON UPDATE CASCADE
);
CREATE INDEX visit_members_member_idx ON visit_members (tenant_id, member_id);
CREATE INDEX visit_members_inspectorate_idx ON visit_members (tenant_id, review_id, inspectorate) WHERE inspectorate IS NOT NULL;
CREATE INDEX visit_members_job_title_idx ON visit_members (tenant_id, review_id, job_title) WHERE job_title IS NOT NULL;

ALTER TABLE visit_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE visit_members FORCE ROW LEVEL SECURITY;
CREATE POLICY visit_members_tenant ON visit_members USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON visit_members TO thematic_app;

ALTER TABLE visits ALTER COLUMN start_date DROP NOT NULL;

-- Everyone with days on a visit is on its team, with the role and inspectorate of the People page.
-- Row-level security would show the owner no rows, so it is lifted for the owner (NO FORCE) inside
-- this migration's transaction and FORCEd again.
ALTER TABLE visits NO FORCE ROW LEVEL SECURITY;
ALTER TABLE visit_days NO FORCE ROW LEVEL SECURITY;
ALTER TABLE visit_members NO FORCE ROW LEVEL SECURITY;
INSERT INTO visit_members (tenant_id, visit_id, member_id, review_id)
SELECT DISTINCT d.tenant_id, d.visit_id, d.member_id, v.review_id
FROM visit_days d JOIN visits v ON v.tenant_id = d.tenant_id AND v.id = d.visit_id;
ALTER TABLE visits FORCE ROW LEVEL SECURITY;
ALTER TABLE visit_days FORCE ROW LEVEL SECURITY;
ALTER TABLE visit_members FORCE ROW LEVEL SECURITY;

-- +goose Down
ALTER TABLE visits NO FORCE ROW LEVEL SECURITY;
DELETE FROM visits WHERE start_date IS NULL;
ALTER TABLE visits FORCE ROW LEVEL SECURITY;
ALTER TABLE visits ALTER COLUMN start_date SET NOT NULL;
DROP TABLE visit_members;
