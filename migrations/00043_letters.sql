-- A letter per area: beside the overview report, the lead writes to each visited area's leaders
-- about that area's own strengths and areas for development under each action area.
--
-- letter_templates: one per review once edited: the opening, closing and signatories every
-- letter of the review shares ({area} and {review} are filled in per letter).
-- letters: one per (review, area) once started: draft → quality_assurance → changes_requested or
-- signed_off (then locked until reopened with a reason).
-- letter_texts: the lead's words per letter and section key ('summary', 'strengths:<action area>',
-- 'development:<action area>'), each with a version.
-- letter_versions: snapshots of the built letter (the report's document model as JSON), numbered
-- per letter.
-- letter_overrides: a hit of the publication check the lead has kept on purpose in a letter.

-- +goose Up
CREATE TABLE letter_templates (
    tenant_id   uuid NOT NULL,
    review_id   uuid NOT NULL,
    opening     text NOT NULL CHECK (length(opening) <= 10000),
    closing     text NOT NULL CHECK (length(closing) <= 10000),
    signatories text NOT NULL CHECK (length(signatories) <= 2000),
    version     integer NOT NULL DEFAULT 1,
    updated_by  uuid REFERENCES users (id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, review_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE letters (
    tenant_id         uuid NOT NULL,
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id         uuid NOT NULL,
    area_id           uuid NOT NULL,
    status            text NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'quality_assurance', 'changes_requested', 'signed_off')),
    status_note       text NOT NULL DEFAULT '' CHECK (length(status_note) <= 2000),
    status_by         uuid REFERENCES users (id),
    status_at         timestamptz NOT NULL DEFAULT now(),
    signed_off_version integer,
    version           integer NOT NULL DEFAULT 1,
    created_by        uuid NOT NULL REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, review_id, area_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX letters_area_idx ON letters (tenant_id, area_id);

CREATE TABLE letter_texts (
    tenant_id  uuid NOT NULL,
    letter_id  uuid NOT NULL,
    key        text NOT NULL CHECK (key ~ '^(summary|strengths:[0-9a-f-]{36}|development:[0-9a-f-]{36})$'),
    body       text NOT NULL DEFAULT '' CHECK (length(body) <= 50000),
    version    integer NOT NULL DEFAULT 1,
    updated_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, letter_id, key),
    FOREIGN KEY (tenant_id, letter_id) REFERENCES letters (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE letter_versions (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    letter_id  uuid NOT NULL,
    number     integer NOT NULL CHECK (number > 0),
    label      text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    doc        jsonb NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, letter_id, number),
    FOREIGN KEY (tenant_id, letter_id) REFERENCES letters (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE letter_overrides (
    tenant_id  uuid NOT NULL,
    letter_id  uuid NOT NULL,
    hit_key    text NOT NULL CHECK (length(hit_key) BETWEEN 1 AND 200),
    term       text NOT NULL CHECK (length(term) <= 500),
    reason     text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, letter_id, hit_key),
    FOREIGN KEY (tenant_id, letter_id) REFERENCES letters (tenant_id, id) ON DELETE CASCADE
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['letter_templates', 'letters', 'letter_texts', 'letter_versions', 'letter_overrides']
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
DROP TABLE letter_overrides;
DROP TABLE letter_versions;
DROP TABLE letter_texts;
DROP TABLE letters;
DROP TABLE letter_templates;
