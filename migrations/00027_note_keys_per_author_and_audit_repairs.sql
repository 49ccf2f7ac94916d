-- Three findings of a security review (issue 14).
--
-- A note's idempotency key is its author's: unique per (tenant, key, author), where it was unique
-- per tenant (likewise an action's and a document's, below). Before, a client that sent another
-- author's key was answered with that author's note and its own note was dropped. The key comes
-- first in the index, so that the look-ups by key alone (bulk data) still use it.
--
-- The audit log, append-only for the application, is repaired once here (as the owner, with row-
-- level security lifted for this transaction only, as 00008 does):
-- - entries written with an actor but no email (notes and other changes the stores recorded by
--   user id only) get that user's email, so the log names them and its email filter finds them;
-- - entries of a safeguarding concern that withhold its text withhold its themes too, as
--   evidence.withhold now does: a concern's themes are for those who may see the concern.

-- +goose Up
ALTER TABLE evidence_notes DROP CONSTRAINT evidence_notes_tenant_id_idempotency_key_key,
    ADD CONSTRAINT evidence_notes_author_key_key UNIQUE (tenant_id, idempotency_key, author_id);
-- The same for the actions taken on a concern and for supporting documents, which had the same
-- fault: another's key dropped the action, or answered with their document.
ALTER TABLE safeguarding_actions DROP CONSTRAINT safeguarding_actions_tenant_id_idempotency_key_key,
    ADD CONSTRAINT safeguarding_actions_recorder_key_key UNIQUE (tenant_id, idempotency_key, recorded_by);
ALTER TABLE area_documents DROP CONSTRAINT area_documents_tenant_id_idempotency_key_key,
    ADD CONSTRAINT area_documents_uploader_key_key UNIQUE (tenant_id, idempotency_key, uploaded_by);

ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
ALTER TABLE evidence_notes NO FORCE ROW LEVEL SECURITY;

UPDATE audit_log a SET actor_email = u.email
FROM users u
WHERE a.actor_email = '' AND a.actor_id = u.id;

UPDATE audit_log a SET
    before = CASE WHEN a.before ? 'tags'
        THEN jsonb_set(a.before, '{tags}', to_jsonb('(withheld: safeguarding concern)'::text)) ELSE a.before END,
    after = CASE WHEN a.after ? 'tags'
        THEN jsonb_set(a.after, '{tags}', to_jsonb('(withheld: safeguarding concern)'::text)) ELSE a.after END
FROM evidence_notes n
WHERE a.object_type = 'evidence_note' AND n.tenant_id = a.tenant_id AND n.id::text = a.object_id AND n.safeguarding
    AND (a.before ? 'tags' OR a.after ? 'tags')
    -- An entry that shows the text in clear was written while the note was ordinary evidence.
    AND coalesce(a.before->>'body', '(withheld: safeguarding concern)') = '(withheld: safeguarding concern)'
    AND coalesce(a.after->>'body', '(withheld: safeguarding concern)') = '(withheld: safeguarding concern)';

ALTER TABLE evidence_notes FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;

-- +goose Down
-- The audit repairs stay: the emails were the actors', and the withheld themes are gone.
ALTER TABLE area_documents DROP CONSTRAINT area_documents_uploader_key_key,
    ADD CONSTRAINT area_documents_tenant_id_idempotency_key_key UNIQUE (tenant_id, idempotency_key);
ALTER TABLE safeguarding_actions DROP CONSTRAINT safeguarding_actions_recorder_key_key,
    ADD CONSTRAINT safeguarding_actions_tenant_id_idempotency_key_key UNIQUE (tenant_id, idempotency_key);
ALTER TABLE evidence_notes DROP CONSTRAINT evidence_notes_author_key_key,
    ADD CONSTRAINT evidence_notes_tenant_id_idempotency_key_key UNIQUE (tenant_id, idempotency_key);
