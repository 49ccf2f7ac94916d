-- Supporting documents an area sends before its visit. The content lives in PostgreSQL (bytea,
-- stored out of line by TOAST) with its SHA-256, so a backup of the database is a backup of every
-- file. Lists never read the content column. A document is available once the scanner has passed
-- it; it is never removed by the application, only soft-deleted (deleted_at).

-- +goose Up
CREATE TABLE area_documents (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id       uuid NOT NULL,
    area_id         uuid NOT NULL,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    filename        text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type    text NOT NULL CHECK (length(content_type) BETWEEN 1 AND 200),
    size            bigint NOT NULL CHECK (size > 0),
    sha256          bytea NOT NULL CHECK (length(sha256) = 32),
    content         bytea NOT NULL,
    scan_status     text NOT NULL DEFAULT 'pending' CHECK (scan_status IN ('pending', 'clean', 'rejected')),
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 100),
    uploaded_by     uuid NOT NULL,
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    deleted_by      uuid REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id),
    FOREIGN KEY (tenant_id, uploaded_by) REFERENCES memberships (tenant_id, user_id),
    CHECK (length(content) = size),
    CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))
);
-- Files are mostly compressed already (PDF, images, office ZIPs): store them uncompressed out of
-- line, so a streamed download reads a range without decompressing the whole value.
ALTER TABLE area_documents ALTER COLUMN content SET STORAGE EXTERNAL;
CREATE INDEX area_documents_area_idx ON area_documents (tenant_id, review_id, area_id, uploaded_at DESC);
CREATE INDEX area_documents_uploader_idx ON area_documents (tenant_id, uploaded_by);

ALTER TABLE area_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE area_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY area_documents_tenant ON area_documents
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON area_documents TO thematic_app;

-- +goose Down
DROP TABLE area_documents;
