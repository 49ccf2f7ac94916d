-- Evidence notes cite the supporting documents their area sent: a note from a visit may name any
-- of the visit's area's available documents. The store checks the area and the review; the keys
-- below keep every link within the tenant.

-- +goose Up
CREATE TABLE evidence_note_documents (
    tenant_id   uuid NOT NULL,
    note_id     uuid NOT NULL,
    document_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, note_id, document_id),
    FOREIGN KEY (tenant_id, note_id) REFERENCES evidence_notes (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, document_id) REFERENCES area_documents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX evidence_note_documents_document_idx ON evidence_note_documents (tenant_id, document_id);

ALTER TABLE evidence_note_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence_note_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY evidence_note_documents_tenant ON evidence_note_documents
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON evidence_note_documents TO thematic_app;

-- +goose Down
DROP TABLE evidence_note_documents;
