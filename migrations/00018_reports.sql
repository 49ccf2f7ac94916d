-- The report: the lead's own words per section, the report's sign-off state, saved versions and
-- the publication check's overrides.
--
-- report_texts: authored Markdown per section key ('background', 'summary', 'introduction',
-- 'methodology', 'recommendations', 'group:<id>', 'area:<id>'), each with a version.
-- reports: one per review once work on it starts: draft → quality_assurance → changes_requested
-- or approved → published (then locked). Changes by the right role only, all audited.
-- report_versions: snapshots of the built report (the document model as JSON), numbered.
-- publication_overrides: a hit of the publication check the lead has kept on purpose, with why.

-- +goose Up
CREATE TABLE report_texts (
    tenant_id  uuid NOT NULL,
    review_id  uuid NOT NULL,
    key        text NOT NULL CHECK (key ~ '^(background|summary|introduction|methodology|recommendations|group:[0-9a-f-]{36}|area:[0-9a-f-]{36})$'),
    body       text NOT NULL DEFAULT '' CHECK (length(body) <= 50000),
    version    integer NOT NULL DEFAULT 1,
    updated_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, review_id, key),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE reports (
    tenant_id    uuid NOT NULL,
    review_id    uuid NOT NULL,
    status       text NOT NULL DEFAULT 'draft'
                 CHECK (status IN ('draft', 'quality_assurance', 'changes_requested', 'approved', 'published')),
    status_note  text NOT NULL DEFAULT '' CHECK (length(status_note) <= 2000),
    status_by    uuid REFERENCES users (id),
    status_at    timestamptz NOT NULL DEFAULT now(),
    published_version integer,
    version      integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, review_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE report_versions (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id  uuid NOT NULL,
    number     integer NOT NULL CHECK (number > 0),
    label      text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    doc        jsonb NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, review_id, number),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE publication_overrides (
    tenant_id  uuid NOT NULL,
    review_id  uuid NOT NULL,
    hit_key    text NOT NULL CHECK (length(hit_key) BETWEEN 1 AND 200),
    term       text NOT NULL CHECK (length(term) <= 500),
    reason     text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, review_id, hit_key),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['report_texts', 'reports', 'report_versions', 'publication_overrides']
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
DROP TABLE publication_overrides;
DROP TABLE report_versions;
DROP TABLE reports;
DROP TABLE report_texts;
