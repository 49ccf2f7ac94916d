-- The recommendations register across reviews. A recommendation enters the register when its
-- review's report is published: the register is a query over recommendations whose report's
-- status is 'published' (so a report taken back to draft for a correction leaves the register
-- until it is published again, and its text is always the report's own). What the register adds
-- is kept here: the recommendation's status with its version and dated history, the responses
-- received, and the findings of later reviews that follow a recommendation up. A recommendation
-- with no register row is open.

-- +goose Up
CREATE TABLE recommendation_register (
    tenant_id         uuid NOT NULL,
    recommendation_id uuid NOT NULL,
    status            text NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'response_received', 'accepted', 'in_progress', 'implemented', 'not_accepted')),
    version           integer NOT NULL DEFAULT 1,
    changed_by        uuid REFERENCES users (id),
    changed_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, recommendation_id),
    FOREIGN KEY (tenant_id, recommendation_id) REFERENCES recommendations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX recommendation_register_status_idx ON recommendation_register (tenant_id, status);

CREATE TABLE recommendation_status_changes (
    tenant_id         uuid NOT NULL,
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    recommendation_id uuid NOT NULL,
    status            text NOT NULL
                      CHECK (status IN ('open', 'response_received', 'accepted', 'in_progress', 'implemented', 'not_accepted')),
    changed_by        uuid NOT NULL REFERENCES users (id),
    changed_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, recommendation_id) REFERENCES recommendations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX recommendation_status_changes_rec_idx ON recommendation_status_changes (tenant_id, recommendation_id, changed_at);

CREATE TABLE recommendation_responses (
    tenant_id         uuid NOT NULL,
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    recommendation_id uuid NOT NULL,
    responder         text NOT NULL CHECK (length(responder) BETWEEN 1 AND 200),
    body              text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    received_on       date NOT NULL,
    idempotency_key   text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 64),
    recorded_by       uuid NOT NULL REFERENCES users (id),
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, recommendation_id) REFERENCES recommendations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX recommendation_responses_rec_idx ON recommendation_responses (tenant_id, recommendation_id, received_on);

-- A finding of a later review follows up a published recommendation of an earlier one.
CREATE TABLE finding_follow_ups (
    tenant_id         uuid NOT NULL,
    finding_id        uuid NOT NULL,
    recommendation_id uuid NOT NULL,
    created_by        uuid NOT NULL REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, finding_id, recommendation_id),
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, recommendation_id) REFERENCES recommendations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX finding_follow_ups_rec_idx ON finding_follow_ups (tenant_id, recommendation_id);

-- The register reads the tenant's published reports.
CREATE INDEX reports_published_idx ON reports (tenant_id, review_id) WHERE status = 'published';
-- Its text search, and the search across reviews (internal/across), which also reads the
-- notes' own index (evidence_notes_search_idx).
CREATE INDEX recommendations_search_idx ON recommendations USING gin (to_tsvector('english', body));
CREATE INDEX findings_search_idx ON findings USING gin (to_tsvector('english', body));
CREATE INDEX reviews_search_idx ON reviews USING gin (to_tsvector('english', title || ' ' || summary));
-- The dashboard's counts: notes of the last days, review notes not cleared.
CREATE INDEX evidence_notes_created_idx ON evidence_notes (tenant_id, review_id, created_at) WHERE deleted_at IS NULL;

ALTER TABLE recommendation_register ENABLE ROW LEVEL SECURITY;
ALTER TABLE recommendation_register FORCE ROW LEVEL SECURITY;
CREATE POLICY recommendation_register_tenant ON recommendation_register
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON recommendation_register TO thematic_app;

ALTER TABLE recommendation_status_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE recommendation_status_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY recommendation_status_changes_tenant ON recommendation_status_changes
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON recommendation_status_changes TO thematic_app;

ALTER TABLE recommendation_responses ENABLE ROW LEVEL SECURITY;
ALTER TABLE recommendation_responses FORCE ROW LEVEL SECURITY;
CREATE POLICY recommendation_responses_tenant ON recommendation_responses
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON recommendation_responses TO thematic_app;

ALTER TABLE finding_follow_ups ENABLE ROW LEVEL SECURITY;
ALTER TABLE finding_follow_ups FORCE ROW LEVEL SECURITY;
CREATE POLICY finding_follow_ups_tenant ON finding_follow_ups
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON finding_follow_ups TO thematic_app;

-- +goose Down
DROP INDEX evidence_notes_created_idx;
DROP INDEX reviews_search_idx;
DROP INDEX findings_search_idx;
DROP INDEX recommendations_search_idx;
DROP INDEX reports_published_idx;
DROP TABLE finding_follow_ups;
DROP TABLE recommendation_responses;
DROP TABLE recommendation_status_changes;
DROP TABLE recommendation_register;
