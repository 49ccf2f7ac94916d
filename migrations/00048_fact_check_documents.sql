-- A comment of a factual-accuracy check may carry evidence: documents of the commenting area,
-- either already sent on its Documents page or attached with the comment (which stores them
-- there too, so the review team finds them with the area's other documents). Links are never
-- removed by the application; a purged document takes its links with it.

-- +goose Up
CREATE TABLE fact_check_comment_documents (
    tenant_id   uuid NOT NULL,
    comment_id  uuid NOT NULL,
    document_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, comment_id, document_id),
    FOREIGN KEY (tenant_id, comment_id) REFERENCES fact_check_comments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, document_id) REFERENCES area_documents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX fact_check_comment_documents_document_idx ON fact_check_comment_documents (tenant_id, document_id);

ALTER TABLE fact_check_comment_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE fact_check_comment_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY fact_check_comment_documents_tenant ON fact_check_comment_documents
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT ON fact_check_comment_documents TO thematic_app;

-- +goose Down
DROP TABLE fact_check_comment_documents;
