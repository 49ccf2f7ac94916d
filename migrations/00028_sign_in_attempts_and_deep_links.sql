-- Sign-in throttling counted failures in one statement and recorded them in another, so many
-- attempts sent at the same instant all read a count under the limit and were all checked.
-- auth_attempt makes the count and the record one step: it takes a transaction-scoped advisory
-- lock per key (in key order, so that two callers never hold each other's second key), then
-- counts each key's failures since p_since. A VOLATILE PL/pgSQL function reads with a fresh
-- snapshot per statement, so the count, taken after the lock, sees every attempt committed by
-- whoever held the lock before. With p_reserve it records the attempt under every key at once,
-- before the credential is checked; the caller takes the rows back when the credential was
-- right. Without it the caller records a failure itself, in the same transaction.
--
-- app_review_tenant serves links in mail (a safeguarding alert, say) opened while the session
-- works in another of the user's organisations: it names the review's tenant, only when the user
-- is an active member there, so that the session can switch to it instead of answering 404. It
-- is called outside any transaction (its settings would outlive it in one), as app_tenants is.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION auth_attempt(p_keys text[], p_limits int[], p_since timestamptz, p_reserve boolean)
RETURNS boolean LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
    k text;
BEGIN
    FOR k IN SELECT DISTINCT x FROM unnest(p_keys) x ORDER BY x LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('auth_failures:' || k, 0));
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
        IF (SELECT count(*) FROM auth_failures WHERE key = p_keys[i] AND at > p_since) >= p_limits[i] THEN
            RETURN false;
        END IF;
    END LOOP;
    IF p_reserve THEN
        INSERT INTO auth_failures (key) SELECT unnest(p_keys);
    END IF;
    RETURN true;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION auth_attempt(text[], int[], timestamptz, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_attempt(text[], int[], timestamptz, boolean) TO thematic_app;

-- +goose StatementBegin
CREATE FUNCTION app_review_tenant(p_user text, p_review uuid) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS $$
DECLARE
    tenants uuid[];
    t uuid;
BEGIN
    -- With no tenant set, row-level security shows the user their own memberships; with one,
    -- that tenant's reviews. The settings end with the caller's transaction.
    PERFORM set_config('app.tenant_id', '', true), set_config('app.user_id', p_user, true);
    SELECT array_agg(m.tenant_id) INTO tenants FROM memberships m
    WHERE m.user_id = p_user::uuid AND m.deactivated_at IS NULL;
    FOREACH t IN ARRAY coalesce(tenants, '{}') LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        IF EXISTS (SELECT 1 FROM reviews r WHERE r.id = p_review) THEN
            RETURN t;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION app_review_tenant(text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_review_tenant(text, uuid) TO thematic_app;

-- +goose Down
DROP FUNCTION app_review_tenant(text, uuid);
DROP FUNCTION auth_attempt(text[], int[], timestamptz, boolean);
