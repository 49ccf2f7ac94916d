-- Safeguarding concerns and the lock on a review's evidence.
--
-- A note marked as a safeguarding concern (evidence_notes.safeguarding) is seen only by its author
-- and the review's leads: a RESTRICTIVE policy enforces it for the server's role (TO thematic_app:
-- the owner, which runs migrations, the command line, seeding and benchmarks, is not bound by it).
-- The common path (NOT safeguarding) is decided by the first operand of the OR, so ordinary notes
-- pay nothing. The concern records who raised it, the actions taken
-- (safeguarding_actions) and, once a lead closes it, who closed it and why. A concern never
-- becomes evidence, open or closed.
--
-- The lock: once a review is past analysis a lead may lock its evidence (reviews.evidence_locked_*);
-- notes cannot then be created, changed, deleted or restored. The review-level marker decides;
-- evidence_notes.locked_at still locks a single note.

-- +goose Up
ALTER TABLE reviews
    ADD COLUMN evidence_locked_at timestamptz,
    ADD COLUMN evidence_locked_by uuid REFERENCES users (id),
    ADD CONSTRAINT reviews_evidence_lock_check CHECK ((evidence_locked_at IS NULL) = (evidence_locked_by IS NULL));

ALTER TABLE evidence_notes
    ADD COLUMN safeguarding_raised_at   timestamptz,
    ADD COLUMN safeguarding_raised_by   uuid REFERENCES users (id),
    ADD COLUMN safeguarding_notified_at timestamptz,
    ADD COLUMN safeguarding_closed_at   timestamptz,
    ADD COLUMN safeguarding_closed_by   uuid REFERENCES users (id),
    ADD COLUMN safeguarding_closing     text NOT NULL DEFAULT '' CHECK (length(safeguarding_closing) <= 5000),
    ADD CONSTRAINT evidence_notes_safeguarding_closed_check
        CHECK ((safeguarding_closed_at IS NULL) = (safeguarding_closed_by IS NULL)),
    ADD CONSTRAINT evidence_notes_safeguarding_closed_only_check
        CHECK (safeguarding OR safeguarding_closed_at IS NULL);

-- Open concerns of a review, for the leads' banner: tiny, as concerns are rare.
CREATE INDEX evidence_notes_open_concerns_idx ON evidence_notes (tenant_id, review_id)
    WHERE safeguarding AND safeguarding_closed_at IS NULL;
-- All concerns of a review, for the leads' list.
CREATE INDEX evidence_notes_concerns_idx ON evidence_notes (tenant_id, review_id, created_at DESC)
    WHERE safeguarding;

-- Whether the transaction's user leads a review. PL/pgSQL, so that it is never inlined into the
-- policy as a subplan: a subplan would make every scan of evidence_notes parallel-restricted (a
-- count over 200,000 notes measured 3 times slower); a function call is parallel safe, and the OR
-- below only calls it for a concern.
-- +goose StatementBegin
CREATE FUNCTION app_user_leads(p_tenant uuid, p_review uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM review_members m
        WHERE m.tenant_id = p_tenant AND m.review_id = p_review AND m.user_id = app_user() AND m.role = 'lead');
END
$$;
-- +goose StatementEnd

CREATE POLICY evidence_notes_safeguarding ON evidence_notes AS RESTRICTIVE TO thematic_app
    USING (tenant_id = app_tenant()
        AND (NOT safeguarding OR author_id = app_user() OR app_user_leads(tenant_id, review_id)))
    WITH CHECK (tenant_id = app_tenant()
        AND (NOT safeguarding OR author_id = app_user() OR app_user_leads(tenant_id, review_id)));

-- What was done about a concern, and by whom.
CREATE TABLE safeguarding_actions (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id       uuid NOT NULL,
    note_id         uuid NOT NULL,
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    recorded_by     uuid NOT NULL REFERENCES users (id),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 64),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, note_id) REFERENCES evidence_notes (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX safeguarding_actions_note_idx ON safeguarding_actions (tenant_id, note_id, recorded_at, id);
CREATE INDEX safeguarding_actions_review_idx ON safeguarding_actions (tenant_id, review_id);

ALTER TABLE safeguarding_actions ENABLE ROW LEVEL SECURITY;
ALTER TABLE safeguarding_actions FORCE ROW LEVEL SECURITY;
CREATE POLICY safeguarding_actions_tenant ON safeguarding_actions
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
-- An action is seen by whoever sees its note (the policy above applies inside this subquery).
CREATE POLICY safeguarding_actions_note ON safeguarding_actions AS RESTRICTIVE TO thematic_app
    USING (tenant_id = app_tenant() AND EXISTS (SELECT 1 FROM evidence_notes n WHERE n.tenant_id = safeguarding_actions.tenant_id
        AND n.id = safeguarding_actions.note_id))
    WITH CHECK (tenant_id = app_tenant() AND EXISTS (SELECT 1 FROM evidence_notes n WHERE n.tenant_id = safeguarding_actions.tenant_id
        AND n.id = safeguarding_actions.note_id));
GRANT SELECT, INSERT ON safeguarding_actions TO thematic_app;

-- +goose Down
DROP TABLE safeguarding_actions;
DROP POLICY evidence_notes_safeguarding ON evidence_notes;
DROP FUNCTION app_user_leads(uuid, uuid);
DROP INDEX evidence_notes_concerns_idx;
DROP INDEX evidence_notes_open_concerns_idx;
ALTER TABLE evidence_notes DROP CONSTRAINT evidence_notes_safeguarding_closed_only_check,
    DROP CONSTRAINT evidence_notes_safeguarding_closed_check,
    DROP COLUMN safeguarding_closing, DROP COLUMN safeguarding_closed_by, DROP COLUMN safeguarding_closed_at,
    DROP COLUMN safeguarding_notified_at, DROP COLUMN safeguarding_raised_by, DROP COLUMN safeguarding_raised_at;
ALTER TABLE reviews DROP CONSTRAINT reviews_evidence_lock_check,
    DROP COLUMN evidence_locked_by, DROP COLUMN evidence_locked_at;
