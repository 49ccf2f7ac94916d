-- Family questionnaires: an area's results, imported as CSV (question, answer, count) by the
-- review's lead or the area's local authority contact. An area has at most one import; a new one
-- replaces it (and its counts) in one transaction.
--
-- questionnaire_imports: who imported the area's current results and when, with the number of
-- rows, the total of the counts and the number of respondents (the largest total of any one
-- question: every respondent answers at least one question, so this is the best lower bound).
-- questionnaire_counts: one row per (question, answer) in the order of the file.

-- +goose Up
CREATE TABLE questionnaire_imports (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id   uuid NOT NULL,
    area_id     uuid NOT NULL,
    imported_by uuid NOT NULL REFERENCES users (id),
    imported_at timestamptz NOT NULL DEFAULT now(),
    rows        integer NOT NULL CHECK (rows > 0),
    total       bigint NOT NULL CHECK (total >= 0),
    respondents bigint NOT NULL CHECK (respondents >= 0),
    version     integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, area_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX questionnaire_imports_review_idx ON questionnaire_imports (tenant_id, review_id);

CREATE TABLE questionnaire_counts (
    tenant_id uuid NOT NULL,
    import_id uuid NOT NULL,
    position  integer NOT NULL CHECK (position >= 0),
    question  text NOT NULL CHECK (length(question) BETWEEN 1 AND 300),
    answer    text NOT NULL CHECK (length(answer) BETWEEN 1 AND 150),
    count     integer NOT NULL CHECK (count >= 0),
    PRIMARY KEY (tenant_id, import_id, position),
    UNIQUE (tenant_id, import_id, question, answer),
    FOREIGN KEY (tenant_id, import_id) REFERENCES questionnaire_imports (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE questionnaire_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire_imports FORCE ROW LEVEL SECURITY;
CREATE POLICY questionnaire_imports_tenant ON questionnaire_imports USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
ALTER TABLE questionnaire_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY questionnaire_counts_tenant ON questionnaire_counts USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON questionnaire_imports, questionnaire_counts TO thematic_app;

-- +goose Down
DROP TABLE questionnaire_counts;
DROP TABLE questionnaire_imports;
