-- Review notes: points a second lead raises on the draft report during quality assurance, each
-- answered in a thread by the review's other leads.
--
-- review_notes: one point on one target of the report (an authored section by its key, a finding,
-- a good-practice example or a recommendation), numbered per review. It moves open → addressed →
-- cleared; an addressed note may be reopened. The report cannot be approved while any note of
-- the review is not cleared (report.Move). target_label is what the target was called when the
-- note was raised, so that a note still reads after its target is deleted.
-- review_note_replies: the thread, oldest first: replies, and each step with what was said.

-- +goose Up
CREATE TABLE review_notes (
    tenant_id         uuid NOT NULL,
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id         uuid NOT NULL,
    number            integer NOT NULL CHECK (number > 0),
    target_kind       text NOT NULL CHECK (target_kind IN ('section', 'finding', 'example', 'recommendation')),
    section_key       text CHECK (section_key ~ '^(background|summary|introduction|methodology|recommendations|group:[0-9a-f-]{36}|area:[0-9a-f-]{36})$'),
    finding_id        uuid,
    example_id        uuid,
    recommendation_id uuid,
    target_label      text NOT NULL CHECK (length(target_label) BETWEEN 1 AND 300),
    body              text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'addressed', 'cleared')),
    raised_by         uuid NOT NULL REFERENCES users (id),
    raised_at         timestamptz NOT NULL DEFAULT now(),
    addressed_by      uuid REFERENCES users (id),
    addressed_at      timestamptz,
    cleared_by        uuid REFERENCES users (id),
    cleared_at        timestamptz,
    idempotency_key   text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 64),
    version           integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    UNIQUE (tenant_id, review_id, number),
    CHECK ((target_kind = 'section') = (section_key IS NOT NULL)),
    CHECK (finding_id IS NULL OR target_kind = 'finding'),
    CHECK (example_id IS NULL OR target_kind = 'example'),
    CHECK (recommendation_id IS NULL OR target_kind = 'recommendation'),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    -- A deleted target leaves its notes, named by target_label.
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id) ON DELETE SET NULL (finding_id),
    FOREIGN KEY (tenant_id, example_id) REFERENCES practice_examples (tenant_id, id) ON DELETE SET NULL (example_id),
    FOREIGN KEY (tenant_id, recommendation_id) REFERENCES recommendations (tenant_id, id) ON DELETE SET NULL (recommendation_id)
);
CREATE INDEX review_notes_review_idx ON review_notes (tenant_id, review_id, status, number);
CREATE INDEX review_notes_section_idx ON review_notes (tenant_id, review_id, section_key) WHERE section_key IS NOT NULL;
CREATE INDEX review_notes_finding_idx ON review_notes (tenant_id, finding_id) WHERE finding_id IS NOT NULL;
CREATE INDEX review_notes_example_idx ON review_notes (tenant_id, example_id) WHERE example_id IS NOT NULL;
CREATE INDEX review_notes_recommendation_idx ON review_notes (tenant_id, recommendation_id) WHERE recommendation_id IS NOT NULL;

CREATE TABLE review_note_replies (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    note_id         uuid NOT NULL,
    action          text NOT NULL DEFAULT 'reply' CHECK (action IN ('reply', 'addressed', 'reopened', 'cleared')),
    body            text NOT NULL DEFAULT '' CHECK (length(body) <= 5000),
    created_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 64),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    -- A reply and a reopening say something; addressing and clearing may go without words.
    CHECK (action IN ('addressed', 'cleared') OR length(body) >= 1),
    FOREIGN KEY (tenant_id, note_id) REFERENCES review_notes (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX review_note_replies_note_idx ON review_note_replies (tenant_id, note_id, created_at);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['review_notes', 'review_note_replies']
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
DROP TABLE review_note_replies;
DROP TABLE review_notes;
