-- Photos and files attached to evidence notes. Like area documents, the bytes live in PostgreSQL
-- with their SHA-256 (stored uncompressed out of line: photos and PDFs are compressed already).
-- An image is stored re-encoded, with its EXIF (location, device) gone and its orientation
-- applied, and with a smaller JPEG copy for display. A file belongs to its note: it goes with the
-- note (ON DELETE CASCADE), and is seen by exactly whoever sees the note (the restrictive policy
-- below applies evidence_notes' own policies, safeguarding included, inside its subquery).
-- practice_ok is the lead's choice that an image may be shown among good-practice examples.

-- +goose Up
CREATE TABLE evidence_note_files (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id    uuid NOT NULL,
    note_id      uuid NOT NULL,
    position     int NOT NULL CHECK (position >= 0),
    filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type text NOT NULL CHECK (length(content_type) BETWEEN 1 AND 200),
    size         bigint NOT NULL CHECK (size > 0),
    sha256       bytea NOT NULL CHECK (length(sha256) = 32),
    content      bytea NOT NULL,
    display      bytea,
    width        int CHECK (width > 0),
    height       int CHECK (height > 0),
    uploaded_by  uuid NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now(),
    practice_ok  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, note_id) REFERENCES evidence_notes (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, uploaded_by) REFERENCES memberships (tenant_id, user_id),
    CHECK (length(content) = size),
    CHECK ((display IS NULL) = (width IS NULL) AND (width IS NULL) = (height IS NULL)),
    CHECK (NOT practice_ok OR display IS NOT NULL)
);
ALTER TABLE evidence_note_files ALTER COLUMN content SET STORAGE EXTERNAL;
ALTER TABLE evidence_note_files ALTER COLUMN display SET STORAGE EXTERNAL;
CREATE INDEX evidence_note_files_note_idx ON evidence_note_files (tenant_id, note_id, position);
CREATE INDEX evidence_note_files_practice_idx ON evidence_note_files (tenant_id, review_id) WHERE practice_ok;
CREATE INDEX evidence_note_files_uploader_idx ON evidence_note_files (tenant_id, uploaded_by);

ALTER TABLE evidence_note_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_files FORCE ROW LEVEL SECURITY;
CREATE POLICY evidence_note_files_tenant ON evidence_note_files
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY evidence_note_files_note ON evidence_note_files AS RESTRICTIVE TO thematic_app
    USING (tenant_id = app_tenant() AND EXISTS (SELECT 1 FROM evidence_notes n WHERE n.tenant_id = evidence_note_files.tenant_id
        AND n.id = evidence_note_files.note_id))
    WITH CHECK (tenant_id = app_tenant() AND EXISTS (SELECT 1 FROM evidence_notes n WHERE n.tenant_id = evidence_note_files.tenant_id
        AND n.id = evidence_note_files.note_id));
GRANT SELECT, INSERT, UPDATE, DELETE ON evidence_note_files TO thematic_app;

-- +goose Down
DROP TABLE evidence_note_files;
