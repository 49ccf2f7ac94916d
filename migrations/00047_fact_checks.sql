-- The factual-accuracy check of a letter: the lead sends an area its letter, frozen as a saved
-- version, with a deadline; the area's contacts comment on its paragraphs until the deadline (or
-- until they say they have finished); the lead answers each comment. Nothing here is ever deleted:
-- the record of comments and answers is kept with the letter.
--
-- fact_checks: one per round of a letter (numbered per letter); a new round may open only once
-- the previous one is closed (past its deadline, or finished by the area). Comments number the
-- letter's blocks first, then the extracts'.
-- fact_check_comments: a contact's comment on one block of the frozen version, with the lead's
-- answer ('' until answered, 'accepted' or 'not_accepted' with a reason) and a version for edits.

-- +goose Up
CREATE TABLE fact_checks (
    tenant_id      uuid NOT NULL,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    letter_id      uuid NOT NULL,
    round          integer NOT NULL CHECK (round > 0),
    version_number integer NOT NULL CHECK (version_number > 0),
    deadline       date NOT NULL,
    extracts       jsonb NOT NULL DEFAULT '[]', -- the overview's findings sent beside the letter (document blocks)
    finished_at    timestamptz,
    finished_by    uuid REFERENCES users (id),
    created_by     uuid NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, letter_id, round),
    FOREIGN KEY (tenant_id, letter_id) REFERENCES letters (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, letter_id, version_number) REFERENCES letter_versions (tenant_id, letter_id, number)
);

CREATE TABLE fact_check_comments (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    check_id        uuid NOT NULL,
    block           integer NOT NULL CHECK (block >= 0),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    idempotency_key uuid NOT NULL,
    created_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    answer          text NOT NULL DEFAULT '' CHECK (answer IN ('', 'accepted', 'not_accepted')),
    reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 5000),
    answered_by     uuid REFERENCES users (id),
    answered_at     timestamptz,
    version         integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    CHECK (answer <> 'not_accepted' OR length(reason) > 0),
    FOREIGN KEY (tenant_id, check_id) REFERENCES fact_checks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX fact_check_comments_check_idx ON fact_check_comments (tenant_id, check_id, block, created_at);

-- fact_check_reminders: who has had which reminder of a round, so that a retried job mails no one twice.
CREATE TABLE fact_check_reminders (
    tenant_id   uuid NOT NULL,
    check_id    uuid NOT NULL,
    days_before integer NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id),
    sent_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, check_id, days_before, user_id),
    FOREIGN KEY (tenant_id, check_id) REFERENCES fact_checks (tenant_id, id) ON DELETE CASCADE
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['fact_checks', 'fact_check_comments', 'fact_check_reminders']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())',
            t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO thematic_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE fact_check_reminders;
DROP TABLE fact_check_comments;
DROP TABLE fact_checks;
