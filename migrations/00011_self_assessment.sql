-- Self-assessments: before a visit each local area rates its own maturity against the review's
-- self-assessment template (data, not code): elements, a rating scale, whether commentary is
-- required, and a deadline per area. Every table is tenant-owned: tenant_id leads its keys and
-- indexes, foreign keys include it, and RLS is FORCEd.

-- +goose Up
-- One row per review once its template has been seeded (the marker that seeding happened).
CREATE TABLE sa_settings (
    tenant_id           uuid NOT NULL,
    review_id           uuid NOT NULL,
    commentary_required boolean NOT NULL DEFAULT false,
    version             integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, review_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE sa_elements (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL,
    title     text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    guidance  text NOT NULL DEFAULT '' CHECK (length(guidance) <= 2000),
    position  integer NOT NULL,
    version   integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sa_elements_review_idx ON sa_elements (tenant_id, review_id, position);

CREATE TABLE sa_levels (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id   uuid NOT NULL,
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    position    integer NOT NULL,
    version     integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sa_levels_review_idx ON sa_levels (tenant_id, review_id, position);

CREATE TABLE sa_deadlines (
    tenant_id uuid NOT NULL,
    area_id   uuid NOT NULL,
    review_id uuid NOT NULL,
    due       date NOT NULL,
    PRIMARY KEY (tenant_id, area_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sa_deadlines_review_idx ON sa_deadlines (tenant_id, review_id);

CREATE TABLE sa_submissions (
    tenant_id     uuid NOT NULL,
    area_id       uuid NOT NULL,
    review_id     uuid NOT NULL,
    status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    submitted_at  timestamptz,
    submitted_by  uuid REFERENCES users (id),
    reopened_at   timestamptz,
    reopened_by   uuid REFERENCES users (id),
    reopen_reason text NOT NULL DEFAULT '' CHECK (length(reopen_reason) <= 2000),
    version       integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, area_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sa_submissions_review_idx ON sa_submissions (tenant_id, review_id);

CREATE TABLE sa_responses (
    tenant_id  uuid NOT NULL,
    area_id    uuid NOT NULL,
    element_id uuid NOT NULL,
    review_id  uuid NOT NULL,
    level_id   uuid,
    commentary text NOT NULL DEFAULT '' CHECK (length(commentary) <= 10000),
    version    integer NOT NULL DEFAULT 1,
    updated_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, area_id, element_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, element_id) REFERENCES sa_elements (tenant_id, id),
    FOREIGN KEY (tenant_id, level_id) REFERENCES sa_levels (tenant_id, id)
);
CREATE INDEX sa_responses_review_idx ON sa_responses (tenant_id, review_id);
CREATE INDEX sa_responses_element_idx ON sa_responses (tenant_id, element_id);
CREATE INDEX sa_responses_level_idx ON sa_responses (tenant_id, level_id) WHERE level_id IS NOT NULL;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sa_settings', 'sa_elements', 'sa_levels', 'sa_deadlines', 'sa_submissions', 'sa_responses']
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

-- +goose Down
DROP TABLE sa_responses, sa_submissions, sa_deadlines, sa_levels, sa_elements, sa_settings;
