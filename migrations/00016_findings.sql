-- Synthesis: what the review lead draws from the evidence.
--
-- quantifier_bands: the review's scale from the share of visited areas to words ("most"). Two
-- bands are special: 'all' (every visited area) and 'one' (exactly one area); the others apply
-- from min_percent up, the highest first, to counts of at least min_areas.
-- findings: a statement under one action area, in order; finding_notes links the notes that
-- support it and those that cut against it. confirmed_areas is the number of visited areas the
-- lead last saw among its supporting notes: when the evidence moves away from it the finding is
-- flagged until the lead looks again.
-- practice_examples: good-practice examples written from candidate notes; the example knows its
-- area, the report never names it. Notes are only ever soft-deleted by the application; should one
-- be removed for good, its links to findings go with it and an example keeps its text.
-- recommendations: numbered by position, each addressed to someone, answering findings.

-- +goose Up
CREATE TABLE quantifier_bands (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id   uuid NOT NULL,
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 60),
    special     text CHECK (special IN ('all', 'one')),
    min_percent integer NOT NULL DEFAULT 0 CHECK (min_percent BETWEEN 0 AND 100),
    min_areas   integer NOT NULL DEFAULT 1 CHECK (min_areas BETWEEN 1 AND 1000),
    version     integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX quantifier_bands_review_idx ON quantifier_bands (tenant_id, review_id, min_percent DESC);
CREATE UNIQUE INDEX quantifier_bands_special_idx ON quantifier_bands (tenant_id, review_id, special)
    WHERE special IS NOT NULL;

CREATE TABLE findings (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id        uuid NOT NULL,
    action_area_id   uuid NOT NULL,
    position         integer NOT NULL,
    body             text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    prevalence_style text NOT NULL DEFAULT 'word' CHECK (prevalence_style IN ('word', 'count', 'none')),
    word_override    text NOT NULL DEFAULT '' CHECK (length(word_override) <= 60),
    override_reason  text NOT NULL DEFAULT '' CHECK (length(override_reason) <= 1000),
    confirmed_areas  integer NOT NULL DEFAULT 0,
    idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 64),
    version          integer NOT NULL DEFAULT 1,
    created_by       uuid NOT NULL REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, action_area_id) REFERENCES action_areas (tenant_id, id),
    CHECK (word_override = '' OR override_reason <> '')
);
CREATE INDEX findings_area_idx ON findings (tenant_id, action_area_id, position);
CREATE INDEX findings_review_idx ON findings (tenant_id, review_id);

CREATE TABLE finding_notes (
    tenant_id  uuid NOT NULL,
    finding_id uuid NOT NULL,
    note_id    uuid NOT NULL,
    stance     text NOT NULL CHECK (stance IN ('supports', 'contradicts')),
    PRIMARY KEY (tenant_id, finding_id, note_id),
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, note_id) REFERENCES evidence_notes (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX finding_notes_note_idx ON finding_notes (tenant_id, note_id);

CREATE TABLE practice_examples (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id       uuid NOT NULL,
    action_area_id  uuid NOT NULL,
    note_id         uuid,
    area_id         uuid NOT NULL,
    position        integer NOT NULL,
    title           text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 64),
    version         integer NOT NULL DEFAULT 1,
    created_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, action_area_id) REFERENCES action_areas (tenant_id, id),
    FOREIGN KEY (tenant_id, note_id) REFERENCES evidence_notes (tenant_id, id) ON DELETE SET NULL (note_id),
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id)
);
CREATE INDEX practice_examples_area_idx ON practice_examples (tenant_id, action_area_id, position);
CREATE INDEX practice_examples_review_idx ON practice_examples (tenant_id, review_id);
CREATE INDEX practice_examples_note_idx ON practice_examples (tenant_id, note_id) WHERE note_id IS NOT NULL;

CREATE TABLE recommendations (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id       uuid NOT NULL,
    position        integer NOT NULL,
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 3000),
    addressee       text NOT NULL CHECK (length(addressee) BETWEEN 1 AND 200),
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 64),
    version         integer NOT NULL DEFAULT 1,
    created_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX recommendations_review_idx ON recommendations (tenant_id, review_id, position);

CREATE TABLE recommendation_findings (
    tenant_id         uuid NOT NULL,
    recommendation_id uuid NOT NULL,
    finding_id        uuid NOT NULL,
    PRIMARY KEY (tenant_id, recommendation_id, finding_id),
    FOREIGN KEY (tenant_id, recommendation_id) REFERENCES recommendations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX recommendation_findings_finding_idx ON recommendation_findings (tenant_id, finding_id);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['quantifier_bands', 'findings', 'finding_notes', 'practice_examples',
        'recommendations', 'recommendation_findings']
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
DROP TABLE recommendation_findings;
DROP TABLE recommendations;
DROP TABLE practice_examples;
DROP TABLE finding_notes;
DROP TABLE findings;
DROP TABLE quantifier_bands;
