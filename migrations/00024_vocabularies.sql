-- A review's vocabularies are data the lead edits: besides its evidence sources and professional
-- roles (00006), the addressees of its recommendations, the inspectorates taking part and the team
-- roles (job titles) people hold. Rows that use one of these three name it, and a foreign key on
-- (tenant_id, review_id, name) with ON UPDATE CASCADE keeps them in step: renaming a value renames
-- it wherever it is used, and a value in use cannot be deleted. "None" is NULL, never "".
-- Sources and roles get a version, like the other lists, so that two leads editing one value
-- do not overwrite each other.

-- +goose Up
CREATE TABLE review_addressees (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL,
    name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    position  integer NOT NULL,
    version   integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, review_id, name),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX review_addressees_lower_idx ON review_addressees (tenant_id, review_id, lower(name));

CREATE TABLE review_inspectorates (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL,
    name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    position  integer NOT NULL,
    version   integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, review_id, name),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX review_inspectorates_lower_idx ON review_inspectorates (tenant_id, review_id, lower(name));

CREATE TABLE review_team_roles (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL,
    name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    position  integer NOT NULL,
    version   integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, review_id, name),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX review_team_roles_lower_idx ON review_team_roles (tenant_id, review_id, lower(name));

ALTER TABLE evidence_sources ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE evidence_roles ADD COLUMN version integer NOT NULL DEFAULT 1;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['review_addressees', 'review_inspectorates', 'review_team_roles']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())',
            t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO thematic_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

ALTER TABLE review_members ALTER COLUMN inspectorate DROP NOT NULL, ALTER COLUMN inspectorate DROP DEFAULT,
    ALTER COLUMN job_title DROP NOT NULL, ALTER COLUMN job_title DROP DEFAULT;
ALTER TABLE review_member_invites ALTER COLUMN inspectorate DROP NOT NULL, ALTER COLUMN inspectorate DROP DEFAULT,
    ALTER COLUMN job_title DROP NOT NULL, ALTER COLUMN job_title DROP DEFAULT;

-- Existing reviews keep what they offered: the two inspectorates and four addressees the forms
-- named, and every value typed since. Reviews that never had sources or roles (they were copied in
-- when a note form was first opened) get the general lists a new blank review starts with.
-- Row-level security would show the owner no rows, so it is lifted for the owner (NO FORCE) inside
-- this migration's transaction and FORCEd again.
ALTER TABLE reviews NO FORCE ROW LEVEL SECURITY;
ALTER TABLE review_members NO FORCE ROW LEVEL SECURITY;
ALTER TABLE review_member_invites NO FORCE ROW LEVEL SECURITY;
ALTER TABLE recommendations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE review_addressees NO FORCE ROW LEVEL SECURITY;
ALTER TABLE review_inspectorates NO FORCE ROW LEVEL SECURITY;
ALTER TABLE review_team_roles NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_sources NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_roles NO FORCE ROW LEVEL SECURITY;

UPDATE review_members SET inspectorate = nullif(btrim(inspectorate), ''), job_title = nullif(btrim(job_title), '');
UPDATE review_member_invites SET inspectorate = nullif(btrim(inspectorate), ''), job_title = nullif(btrim(job_title), '');

INSERT INTO review_addressees (tenant_id, review_id, name, position)
SELECT tenant_id, review_id, name, row_number() OVER (PARTITION BY tenant_id, review_id ORDER BY rank, lower(name))
FROM (
    SELECT DISTINCT ON (r.tenant_id, r.id, lower(x.name)) r.tenant_id, r.id AS review_id, x.name, x.rank
    FROM reviews r
    CROSS JOIN LATERAL (
        SELECT s.name, s.rank FROM unnest(ARRAY['Central government', 'Central and local government', 'Local areas',
            'Local authorities and health partners']) WITH ORDINALITY AS s(name, rank)
        UNION ALL
        SELECT DISTINCT rc.addressee, 100 FROM recommendations rc WHERE rc.tenant_id = r.tenant_id AND rc.review_id = r.id) x
    ORDER BY r.tenant_id, r.id, lower(x.name), x.rank) d;

INSERT INTO review_inspectorates (tenant_id, review_id, name, position)
SELECT tenant_id, review_id, name, row_number() OVER (PARTITION BY tenant_id, review_id ORDER BY rank, lower(name))
FROM (
    SELECT DISTINCT ON (r.tenant_id, r.id, lower(x.name)) r.tenant_id, r.id AS review_id, x.name, x.rank
    FROM reviews r
    CROSS JOIN LATERAL (
        SELECT s.name, s.rank FROM unnest(ARRAY['Ofsted', 'CQC']) WITH ORDINALITY AS s(name, rank)
        UNION ALL
        SELECT m.inspectorate, 100 FROM review_members m
            WHERE m.tenant_id = r.tenant_id AND m.review_id = r.id AND m.inspectorate IS NOT NULL
        UNION ALL
        SELECT i.inspectorate, 100 FROM review_member_invites i
            WHERE i.tenant_id = r.tenant_id AND i.review_id = r.id AND i.inspectorate IS NOT NULL) x
    ORDER BY r.tenant_id, r.id, lower(x.name), x.rank) d;

INSERT INTO review_team_roles (tenant_id, review_id, name, position)
SELECT tenant_id, review_id, name, row_number() OVER (PARTITION BY tenant_id, review_id ORDER BY lower(name))
FROM (
    SELECT DISTINCT ON (tenant_id, review_id, lower(name)) tenant_id, review_id, name
    FROM (SELECT tenant_id, review_id, job_title AS name FROM review_members WHERE job_title IS NOT NULL
          UNION ALL
          SELECT tenant_id, review_id, job_title FROM review_member_invites WHERE job_title IS NOT NULL) u
    ORDER BY tenant_id, review_id, lower(name), name) d;

-- Values typed in another letter case than the list's first spelling take the list's spelling.
UPDATE review_members m SET inspectorate = v.name FROM review_inspectorates v
    WHERE v.tenant_id = m.tenant_id AND v.review_id = m.review_id AND lower(v.name) = lower(m.inspectorate) AND v.name <> m.inspectorate;
UPDATE review_member_invites m SET inspectorate = v.name FROM review_inspectorates v
    WHERE v.tenant_id = m.tenant_id AND v.review_id = m.review_id AND lower(v.name) = lower(m.inspectorate) AND v.name <> m.inspectorate;
UPDATE review_members m SET job_title = v.name FROM review_team_roles v
    WHERE v.tenant_id = m.tenant_id AND v.review_id = m.review_id AND lower(v.name) = lower(m.job_title) AND v.name <> m.job_title;
UPDATE review_member_invites m SET job_title = v.name FROM review_team_roles v
    WHERE v.tenant_id = m.tenant_id AND v.review_id = m.review_id AND lower(v.name) = lower(m.job_title) AND v.name <> m.job_title;
UPDATE recommendations m SET addressee = v.name FROM review_addressees v
    WHERE v.tenant_id = m.tenant_id AND v.review_id = m.review_id AND lower(v.name) = lower(m.addressee) AND v.name <> m.addressee;

INSERT INTO evidence_sources (tenant_id, review_id, name, needs_role, position)
SELECT r.tenant_id, r.id, s.name, s.needs_role, s.pos
FROM reviews r
CROSS JOIN unnest(ARRAY['Observation of practice', 'Focus group with parents or carers',
        'Focus group with children or young people', 'Interview with a professional', 'Meeting with leaders',
        'Case-file audit', 'Document or self-assessment review', 'Questionnaire', 'Feedback session'],
    ARRAY[false, false, false, true, false, false, false, false, false]) WITH ORDINALITY AS s(name, needs_role, pos)
WHERE NOT EXISTS (SELECT 1 FROM evidence_sources e WHERE e.tenant_id = r.tenant_id AND e.review_id = r.id);

INSERT INTO evidence_roles (tenant_id, review_id, name, position)
SELECT r.tenant_id, r.id, s.name, s.pos
FROM reviews r
CROSS JOIN unnest(ARRAY['Social worker', 'Health visitor', 'Midwife', 'GP', 'School staff', 'Early years practitioner',
        'Police officer', 'Probation officer', 'Youth justice worker', 'Adult mental health worker',
        'Substance misuse worker', 'Family support worker', 'Volunteer', 'Senior leader']) WITH ORDINALITY AS s(name, pos)
WHERE NOT EXISTS (SELECT 1 FROM evidence_roles e WHERE e.tenant_id = r.tenant_id AND e.review_id = r.id);

ALTER TABLE reviews FORCE ROW LEVEL SECURITY;
ALTER TABLE review_members FORCE ROW LEVEL SECURITY;
ALTER TABLE review_member_invites FORCE ROW LEVEL SECURITY;
ALTER TABLE recommendations FORCE ROW LEVEL SECURITY;
ALTER TABLE review_addressees FORCE ROW LEVEL SECURITY;
ALTER TABLE review_inspectorates FORCE ROW LEVEL SECURITY;
ALTER TABLE review_team_roles FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_sources FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_roles FORCE ROW LEVEL SECURITY;

ALTER TABLE review_members
    ADD FOREIGN KEY (tenant_id, review_id, inspectorate) REFERENCES review_inspectorates (tenant_id, review_id, name)
        ON UPDATE CASCADE,
    ADD FOREIGN KEY (tenant_id, review_id, job_title) REFERENCES review_team_roles (tenant_id, review_id, name)
        ON UPDATE CASCADE;
ALTER TABLE review_member_invites
    ADD FOREIGN KEY (tenant_id, review_id, inspectorate) REFERENCES review_inspectorates (tenant_id, review_id, name)
        ON UPDATE CASCADE,
    ADD FOREIGN KEY (tenant_id, review_id, job_title) REFERENCES review_team_roles (tenant_id, review_id, name)
        ON UPDATE CASCADE;
ALTER TABLE recommendations
    ADD FOREIGN KEY (tenant_id, review_id, addressee) REFERENCES review_addressees (tenant_id, review_id, name)
        ON UPDATE CASCADE;
CREATE INDEX review_members_inspectorate_idx ON review_members (tenant_id, review_id, inspectorate) WHERE inspectorate IS NOT NULL;
CREATE INDEX review_members_job_title_idx ON review_members (tenant_id, review_id, job_title) WHERE job_title IS NOT NULL;
CREATE INDEX recommendations_addressee_idx ON recommendations (tenant_id, review_id, addressee);

-- +goose Down
ALTER TABLE recommendations DROP CONSTRAINT recommendations_tenant_id_review_id_addressee_fkey;
ALTER TABLE review_member_invites DROP CONSTRAINT review_member_invites_tenant_id_review_id_inspectorate_fkey,
    DROP CONSTRAINT review_member_invites_tenant_id_review_id_job_title_fkey;
ALTER TABLE review_members DROP CONSTRAINT review_members_tenant_id_review_id_inspectorate_fkey,
    DROP CONSTRAINT review_members_tenant_id_review_id_job_title_fkey;
DROP INDEX review_members_inspectorate_idx, review_members_job_title_idx, recommendations_addressee_idx;
ALTER TABLE review_members NO FORCE ROW LEVEL SECURITY;
ALTER TABLE review_member_invites NO FORCE ROW LEVEL SECURITY;
UPDATE review_members SET inspectorate = coalesce(inspectorate, ''), job_title = coalesce(job_title, '');
UPDATE review_member_invites SET inspectorate = coalesce(inspectorate, ''), job_title = coalesce(job_title, '');
ALTER TABLE review_members FORCE ROW LEVEL SECURITY;
ALTER TABLE review_member_invites FORCE ROW LEVEL SECURITY;
ALTER TABLE review_members ALTER COLUMN inspectorate SET DEFAULT '', ALTER COLUMN inspectorate SET NOT NULL,
    ALTER COLUMN job_title SET DEFAULT '', ALTER COLUMN job_title SET NOT NULL;
ALTER TABLE review_member_invites ALTER COLUMN inspectorate SET DEFAULT '', ALTER COLUMN inspectorate SET NOT NULL,
    ALTER COLUMN job_title SET DEFAULT '', ALTER COLUMN job_title SET NOT NULL;
ALTER TABLE evidence_sources DROP COLUMN version;
ALTER TABLE evidence_roles DROP COLUMN version;
DROP TABLE review_team_roles, review_inspectorates, review_addressees;
