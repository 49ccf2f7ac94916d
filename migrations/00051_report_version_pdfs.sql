-- The PDF of a saved report version, kept the first time it is printed: a version never changes,
-- so every later download of it (the published report's above all) is the very same file, as
-- people who cite or checksum a publication expect, whatever the printing browser does next time.

-- +goose Up
CREATE TABLE report_version_pdfs (
    tenant_id  uuid NOT NULL,
    review_id  uuid NOT NULL,
    number     integer NOT NULL,
    pdf        bytea NOT NULL CHECK (length(pdf) > 0),
    sha256     bytea NOT NULL CHECK (length(sha256) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, review_id, number),
    FOREIGN KEY (tenant_id, review_id, number) REFERENCES report_versions (tenant_id, review_id, number) ON DELETE CASCADE
);
ALTER TABLE report_version_pdfs ALTER COLUMN pdf SET STORAGE EXTERNAL;

ALTER TABLE report_version_pdfs ENABLE ROW LEVEL SECURITY;
ALTER TABLE report_version_pdfs FORCE ROW LEVEL SECURITY;
CREATE POLICY report_version_pdfs_tenant ON report_version_pdfs
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT ON report_version_pdfs TO thematic_app;

-- +goose Down
DROP TABLE report_version_pdfs;
