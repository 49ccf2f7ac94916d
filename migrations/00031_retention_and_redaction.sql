-- Forgetting what must be forgotten (issue 15): redaction of the audit log, a retention period per
-- tenant after which a published review's evidence is purged, and legal hold.
--
-- Redaction. The audit log stays append-only for the application: thematic_app gets no UPDATE on
-- audit_log, not even on before/after. Instead audit_redact, a SECURITY DEFINER function owned by
-- the migration owner, rewrites only the before/after JSON of the current tenant's entries, and
-- only by replacing given stretches of text (or given fields' whole values) with a marker it
-- builds itself: "(redacted on <date> by <the signed-in user's name>: <reason>)". The application
-- can thus erase text but never write text of its choosing into an entry, nor touch who, what,
-- when or which object. A column grant with a policy would have let the application write any
-- JSON into those columns. The owner's UPDATE is bound to the tenant by a policy (the table's row-
-- level security is FORCEd, so it binds the owner too), and the function checks the tenant again.
--
-- Retention. tenants.retention_months is how long a published review keeps its evidence (NULL:
-- until deleted). reviews.published_at is set whenever a review becomes published (a trigger, so
-- that every path to publication sets it); the purge date is published_at + retention_months.
-- A lead may put a review on legal hold (reason, who, when), which stops any purge.
-- retention_purges records what a purge removed, with its counts, so the review keeps its figures.
-- A purged note keeps its row (area, visit, date, judgement, links to findings, so prevalence and
-- coverage survive) but loses its text and themes: purged_at marks it.
--
-- retention_due lists, across tenants, the reviews past their date: the daily job has no tenant
-- until it picks one. It returns ids only; the job purges each review in a transaction scoped to
-- its tenant as thematic_app, where row-level security applies as for any request.

-- +goose Up
ALTER TABLE tenants ADD COLUMN retention_months integer CHECK (retention_months BETWEEN 1 AND 240);

ALTER TABLE reviews ADD COLUMN published_at timestamptz,
    ADD COLUMN legal_hold_reason text CHECK (length(legal_hold_reason) BETWEEN 1 AND 1000),
    ADD COLUMN legal_hold_by uuid REFERENCES users (id),
    ADD COLUMN legal_hold_at timestamptz,
    ADD CONSTRAINT reviews_legal_hold_check CHECK ((legal_hold_at IS NULL) = (legal_hold_reason IS NULL));

-- Reviews published before this migration count from their report's publication, or their last
-- change.
ALTER TABLE reviews NO FORCE ROW LEVEL SECURITY;
ALTER TABLE reports NO FORCE ROW LEVEL SECURITY;
UPDATE reviews r SET published_at = coalesce(
    (SELECT p.status_at FROM reports p WHERE p.tenant_id = r.tenant_id AND p.review_id = r.id AND p.status = 'published'),
    r.updated_at)
WHERE r.status = 'published';
ALTER TABLE reports FORCE ROW LEVEL SECURITY;
ALTER TABLE reviews FORCE ROW LEVEL SECURITY;

-- +goose StatementBegin
CREATE FUNCTION reviews_published_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'published' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'published') THEN
        NEW.published_at := now();
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER reviews_published_at BEFORE INSERT OR UPDATE OF status ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_published_at();

ALTER TABLE evidence_notes ADD COLUMN purged_at timestamptz;

CREATE TABLE retention_purges (
    tenant_id        uuid NOT NULL,
    review_id        uuid NOT NULL,
    purged_at        timestamptz NOT NULL,
    months           integer NOT NULL,
    notes            integer NOT NULL DEFAULT 0,
    documents        integer NOT NULL DEFAULT 0,
    self_assessments integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, review_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE retention_purges ENABLE ROW LEVEL SECURITY;
ALTER TABLE retention_purges FORCE ROW LEVEL SECURITY;
CREATE POLICY retention_purges_tenant ON retention_purges
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT ON retention_purges TO thematic_app;

-- The owner reads reviews and purges for retention_due (SECURITY DEFINER) before a tenant is known.
CREATE POLICY reviews_owner_read ON reviews FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY retention_purges_owner_read ON retention_purges FOR SELECT TO CURRENT_USER USING (true);

-- +goose StatementBegin
CREATE FUNCTION retention_due(p_now timestamptz)
RETURNS TABLE (tenant_id uuid, review_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT r.tenant_id, r.id FROM reviews r JOIN tenants t ON t.id = r.tenant_id
    WHERE r.status = 'published' AND t.retention_months IS NOT NULL AND r.legal_hold_at IS NULL
        AND r.published_at + make_interval(months => t.retention_months) <= p_now
        AND NOT EXISTS (SELECT 1 FROM retention_purges p WHERE p.tenant_id = r.tenant_id AND p.review_id = r.id)
    ORDER BY r.published_at, r.tenant_id, r.id
$$;
-- +goose StatementEnd

-- The owner may rewrite the current tenant's entries, through audit_redact only.
CREATE POLICY audit_log_redact ON audit_log FOR UPDATE TO CURRENT_USER
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- audit_redact_value returns v with every string holding one of texts having it replaced by
-- marker, and every object member named in fields (at any depth) replaced whole by marker.
-- Members that are empty or already redacted are left alone, so a second redaction changes nothing.
-- +goose StatementBegin
CREATE FUNCTION audit_redact_value(v jsonb, texts text[], fields text[], marker text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = public, pg_temp AS $$
DECLARE
    res jsonb;
    k   text;
    e   jsonb;
    s   text;
    t   text;
BEGIN
    CASE jsonb_typeof(v)
    WHEN 'object' THEN
        res := '{}';
        FOR k, e IN SELECT * FROM jsonb_each(v) LOOP
            IF k = ANY (fields) AND e NOT IN ('null', '""', '[]', '{}')
                AND NOT (jsonb_typeof(e) = 'string' AND (e #>> '{}') LIKE '(redacted on %') THEN
                res := res || jsonb_build_object(k, marker);
            ELSE
                res := res || jsonb_build_object(k, audit_redact_value(e, texts, fields, marker));
            END IF;
        END LOOP;
        RETURN res;
    WHEN 'array' THEN
        SELECT coalesce(jsonb_agg(audit_redact_value(x, texts, fields, marker) ORDER BY i), '[]')
            INTO res FROM jsonb_array_elements(v) WITH ORDINALITY AS a (x, i);
        RETURN res;
    WHEN 'string' THEN
        s := v #>> '{}';
        FOREACH t IN ARRAY coalesce(texts, '{}') LOOP
            s := replace(s, t, marker);
        END LOOP;
        RETURN to_jsonb(s);
    ELSE
        RETURN v;
    END CASE;
END
$$;
-- +goose StatementEnd

-- audit_redact redacts the current tenant's entries that match object_type, object_ids and
-- actions (NULL: any), replacing texts (exact, case-sensitive, 3 characters or more) and the
-- whole values of fields (only with object ids given: a field is never blanked tenant-wide). The
-- entries recording redactions are never rewritten. It returns each entry changed and the names
-- of its top-level fields that changed.
-- +goose StatementBegin
CREATE FUNCTION audit_redact(p_object_type text, p_object_ids text[], p_actions text[], p_texts text[],
    p_fields text[], p_reason text)
RETURNS TABLE (entry_id bigint, entry_fields text[])
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_tenant uuid := app_tenant();
    v_by     text;
    v_marker text;
    v_texts  text[];
    v_fields text[] := coalesce(p_fields, '{}');
BEGIN
    IF v_tenant IS NULL THEN
        RAISE EXCEPTION 'audit_redact: no tenant' USING ERRCODE = '42501';
    END IF;
    IF p_reason IS NULL OR length(p_reason) NOT BETWEEN 1 AND 300 THEN
        RAISE EXCEPTION 'audit_redact: a reason of 1 to 300 characters is needed' USING ERRCODE = '22023';
    END IF;
    IF cardinality(v_fields) > 0 AND p_object_ids IS NULL THEN
        RAISE EXCEPTION 'audit_redact: fields are redacted only for given objects' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_texts) AS x WHERE length(x) < 3) THEN
        RAISE EXCEPTION 'audit_redact: texts must be 3 characters or more' USING ERRCODE = '22023';
    END IF;
    -- Longest first, so a text inside a longer one does not break the longer one's match.
    SELECT coalesce(array_agg(x ORDER BY length(x) DESC, x), '{}') INTO v_texts FROM (SELECT DISTINCT x FROM unnest(p_texts) AS x) d;
    IF cardinality(v_texts) = 0 AND cardinality(v_fields) = 0 THEN
        RETURN;
    END IF;
    SELECT u.name INTO v_by FROM users u WHERE u.id = app_user();
    v_marker := format('(redacted on %s by %s: %s)',
        to_char(now() AT TIME ZONE 'Europe/London', 'FMDD FMMonth YYYY'), coalesce(v_by, 'the service'), p_reason);
    RETURN QUERY
    WITH cand AS (
        SELECT a.id, a.before AS ob, a.after AS oa,
            audit_redact_value(a.before, v_texts, v_fields, v_marker) AS nb,
            audit_redact_value(a.after, v_texts, v_fields, v_marker) AS na
        FROM audit_log a
        WHERE a.tenant_id = v_tenant
            AND (p_object_type IS NULL OR a.object_type = p_object_type)
            AND (p_object_ids IS NULL OR a.object_id = ANY (p_object_ids))
            AND (p_actions IS NULL OR a.action = ANY (p_actions))
            AND a.action <> 'audit.redacted'
            AND (a.before IS NOT NULL OR a.after IS NOT NULL)
            -- A cheap test first: an entry holding a text holds its JSON-escaped form.
            AND (cardinality(v_fields) > 0 OR EXISTS (
                SELECT 1 FROM unnest(v_texts) AS x, LATERAL (SELECT to_jsonb(x)::text AS j) q
                WHERE strpos(coalesce(a.before::text, '') || coalesce(a.after::text, ''),
                    substr(q.j, 2, length(q.j) - 2)) > 0))
        FOR UPDATE OF a
    ), upd AS (
        UPDATE audit_log a SET before = c.nb, after = c.na
        FROM cand c
        WHERE a.id = c.id AND (c.nb IS DISTINCT FROM c.ob OR c.na IS DISTINCT FROM c.oa)
        RETURNING a.id, c.ob, c.oa, c.nb, c.na
    )
    SELECT u.id, ARRAY(
        SELECT k FROM (
            SELECT jsonb_object_keys(CASE WHEN jsonb_typeof(u.ob) = 'object' THEN u.ob ELSE '{}' END) AS k
            UNION
            SELECT jsonb_object_keys(CASE WHEN jsonb_typeof(u.oa) = 'object' THEN u.oa ELSE '{}' END)) ks
        WHERE (u.ob -> ks.k) IS DISTINCT FROM (u.nb -> ks.k) OR (u.oa -> ks.k) IS DISTINCT FROM (u.na -> ks.k)
        ORDER BY k)
    FROM upd u ORDER BY u.id;
END
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION audit_redact(text, text[], text[], text[], text[], text), retention_due(timestamptz),
    audit_redact_value(jsonb, text[], text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_redact(text, text[], text[], text[], text[], text), retention_due(timestamptz)
    TO thematic_app;

-- +goose Down
DROP FUNCTION audit_redact(text, text[], text[], text[], text[], text);
DROP FUNCTION audit_redact_value(jsonb, text[], text[], text);
DROP POLICY audit_log_redact ON audit_log;
DROP FUNCTION retention_due(timestamptz);
DROP POLICY reviews_owner_read ON reviews;
DROP TABLE retention_purges;
ALTER TABLE evidence_notes DROP COLUMN purged_at;
DROP TRIGGER reviews_published_at ON reviews;
DROP FUNCTION reviews_published_at();
ALTER TABLE reviews DROP CONSTRAINT reviews_legal_hold_check, DROP COLUMN legal_hold_at, DROP COLUMN legal_hold_by,
    DROP COLUMN legal_hold_reason, DROP COLUMN published_at;
ALTER TABLE tenants DROP COLUMN retention_months;
