-- Evidence notes: what an inspector saw, heard or read on a visit. A review owns its lists of
-- source types and professional roles (data, not code) and its free theme tags. Every table here is
-- tenant-owned: tenant_id leads its keys and indexes, foreign keys include it, and RLS is FORCEd.
-- Notes are never deleted, only soft-deleted (deleted_at), so that an undo always works.

-- +goose Up
CREATE TABLE evidence_sources (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id  uuid NOT NULL,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    needs_role boolean NOT NULL DEFAULT false,
    position   integer NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX evidence_sources_review_idx ON evidence_sources (tenant_id, review_id, position);
CREATE UNIQUE INDEX evidence_sources_name_idx ON evidence_sources (tenant_id, review_id, lower(name));

CREATE TABLE evidence_roles (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL,
    name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    position  integer NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX evidence_roles_review_idx ON evidence_roles (tenant_id, review_id, position);
CREATE UNIQUE INDEX evidence_roles_name_idx ON evidence_roles (tenant_id, review_id, lower(name));

CREATE TABLE evidence_notes (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id       uuid NOT NULL,
    visit_id        uuid NOT NULL,
    area_id         uuid NOT NULL,
    author_id       uuid NOT NULL,
    source_id       uuid NOT NULL,
    role_id         uuid,
    note_date       date NOT NULL,
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    judgement       text NOT NULL DEFAULT 'neutral' CHECK (judgement IN ('strength', 'development', 'neutral')),
    good_practice   boolean NOT NULL DEFAULT false,
    family_words    boolean NOT NULL DEFAULT false,
    safeguarding    boolean NOT NULL DEFAULT false,
    version         integer NOT NULL DEFAULT 1,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 64),
    deleted_at      timestamptz,
    deleted_by      uuid REFERENCES users (id),
    locked_at       timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    search          tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, visit_id) REFERENCES visits (tenant_id, id),
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id),
    FOREIGN KEY (tenant_id, author_id) REFERENCES memberships (tenant_id, user_id),
    FOREIGN KEY (tenant_id, source_id) REFERENCES evidence_sources (tenant_id, id),
    FOREIGN KEY (tenant_id, role_id) REFERENCES evidence_roles (tenant_id, id),
    CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))
);
CREATE INDEX evidence_notes_review_created_idx ON evidence_notes (tenant_id, review_id, created_at DESC, id);
CREATE INDEX evidence_notes_review_area_idx ON evidence_notes (tenant_id, review_id, area_id);
CREATE INDEX evidence_notes_visit_idx ON evidence_notes (tenant_id, visit_id);
CREATE INDEX evidence_notes_source_idx ON evidence_notes (tenant_id, source_id);
CREATE INDEX evidence_notes_role_idx ON evidence_notes (tenant_id, role_id) WHERE role_id IS NOT NULL;
CREATE INDEX evidence_notes_author_idx ON evidence_notes (tenant_id, author_id);
CREATE INDEX evidence_notes_search_idx ON evidence_notes USING gin (search);

-- The action areas a note bears on (read by review.TaggedNoteCount).
CREATE TABLE evidence_note_action_areas (
    tenant_id      uuid NOT NULL,
    note_id        uuid NOT NULL,
    action_area_id uuid NOT NULL,
    review_id      uuid NOT NULL,
    PRIMARY KEY (tenant_id, note_id, action_area_id),
    FOREIGN KEY (tenant_id, note_id) REFERENCES evidence_notes (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, action_area_id) REFERENCES action_areas (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX evidence_note_action_areas_area_idx ON evidence_note_action_areas (tenant_id, action_area_id);
CREATE INDEX evidence_note_action_areas_review_idx ON evidence_note_action_areas (tenant_id, review_id);

-- The lines of enquiry a note bears on.
CREATE TABLE evidence_note_lines (
    tenant_id uuid NOT NULL,
    note_id   uuid NOT NULL,
    line_id   uuid NOT NULL,
    review_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, note_id, line_id),
    FOREIGN KEY (tenant_id, note_id) REFERENCES evidence_notes (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, line_id) REFERENCES enquiry_lines (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX evidence_note_lines_line_idx ON evidence_note_lines (tenant_id, line_id);
CREATE INDEX evidence_note_lines_review_idx ON evidence_note_lines (tenant_id, review_id);

-- Free theme tags, per review; names are reused whatever their case.
CREATE TABLE evidence_tags (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id  uuid NOT NULL,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX evidence_tags_name_idx ON evidence_tags (tenant_id, review_id, lower(name));

CREATE TABLE evidence_note_tags (
    tenant_id uuid NOT NULL,
    note_id   uuid NOT NULL,
    tag_id    uuid NOT NULL,
    PRIMARY KEY (tenant_id, note_id, tag_id),
    FOREIGN KEY (tenant_id, note_id) REFERENCES evidence_notes (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, tag_id) REFERENCES evidence_tags (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX evidence_note_tags_tag_idx ON evidence_note_tags (tenant_id, tag_id);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['evidence_sources', 'evidence_roles', 'evidence_notes', 'evidence_note_action_areas',
        'evidence_note_lines', 'evidence_tags', 'evidence_note_tags']
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

-- Notes are soft-deleted: the application never removes one (a review's deletion cascades as owner).
REVOKE DELETE ON evidence_notes FROM thematic_app;

-- +goose Down
DROP TABLE evidence_note_tags, evidence_tags, evidence_note_lines, evidence_note_action_areas,
    evidence_notes, evidence_roles, evidence_sources;
