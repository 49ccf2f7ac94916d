-- Personal access tokens for the public API (/api/v1). A user makes them on their account page,
-- one organisation at a time: named, read or read-write, expiring, revocable. Only the SHA-256
-- hash of the secret is kept; the secret is shown once. A token acts as exactly its user in its
-- tenant, so row-level security and the route table's permissions apply as they do to pages.
--
-- api_token_windows is the per-token rate limit: one fixed-window counter row per token (the
-- window's minute and the requests in it), kept here so that the limit holds across replicas.
--
-- api_token_use finds a token by its hash before any tenant is known (SECURITY DEFINER, as
-- calendar_feed_owner does), and for a live token counts the request in its window and notes its
-- last use (at most once a minute), all in one statement. It scopes itself to the token's tenant
-- with transaction-local settings, so it must be called outside any transaction of the caller's.

-- +goose Up
CREATE TABLE api_tokens (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    scope        text NOT NULL CHECK (scope IN ('read', 'read_write')),
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX api_tokens_user_idx ON api_tokens (tenant_id, user_id, created_at);

CREATE TABLE api_token_windows (
    tenant_id    uuid NOT NULL,
    token_id     uuid NOT NULL,
    window_start timestamptz NOT NULL,
    requests     integer NOT NULL,
    PRIMARY KEY (tenant_id, token_id),
    FOREIGN KEY (tenant_id, token_id) REFERENCES api_tokens (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY api_tokens_tenant ON api_tokens
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
-- The owner reads tokens for api_token_use (SECURITY DEFINER) before a tenant is known.
CREATE POLICY api_tokens_owner_read ON api_tokens FOR SELECT TO CURRENT_USER USING (true);
GRANT SELECT, INSERT, UPDATE ON api_tokens TO thematic_app;

ALTER TABLE api_token_windows ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_token_windows FORCE ROW LEVEL SECURITY;
CREATE POLICY api_token_windows_tenant ON api_token_windows
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON api_token_windows TO thematic_app;

-- +goose StatementBegin
CREATE FUNCTION api_token_use(p_hash bytea, p_now timestamptz)
RETURNS TABLE (token_id uuid, tenant_id uuid, user_id uuid, scope text, state text, window_start timestamptz, requests integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t api_tokens%ROWTYPE;
    w timestamptz := date_trunc('minute', p_now);
    n integer;
BEGIN
    SELECT k.* INTO t FROM api_tokens k
    JOIN memberships m ON m.tenant_id = k.tenant_id AND m.user_id = k.user_id AND m.deactivated_at IS NULL
    WHERE k.token_hash = p_hash;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF t.revoked_at IS NOT NULL THEN
        RETURN QUERY SELECT t.id, t.tenant_id, t.user_id, t.scope, 'revoked'::text, w, 0;
        RETURN;
    END IF;
    IF t.expires_at <= p_now THEN
        RETURN QUERY SELECT t.id, t.tenant_id, t.user_id, t.scope, 'expired'::text, w, 0;
        RETURN;
    END IF;
    PERFORM set_config('app.tenant_id', t.tenant_id::text, true), set_config('app.user_id', t.user_id::text, true);
    INSERT INTO api_token_windows AS c (tenant_id, token_id, window_start, requests)
    VALUES (t.tenant_id, t.id, w, 1)
    ON CONFLICT ON CONSTRAINT api_token_windows_pkey DO UPDATE
        SET window_start = EXCLUDED.window_start,
            requests = CASE WHEN c.window_start = EXCLUDED.window_start THEN c.requests + 1 ELSE 1 END
    RETURNING c.requests INTO n;
    IF t.last_used_at IS NULL OR t.last_used_at < p_now - interval '1 minute' THEN
        UPDATE api_tokens k SET last_used_at = p_now WHERE k.tenant_id = t.tenant_id AND k.id = t.id;
    END IF;
    RETURN QUERY SELECT t.id, t.tenant_id, t.user_id, t.scope, 'live'::text, w, n;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION api_token_use(bytea, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_token_use(bytea, timestamptz) TO thematic_app;

-- +goose Down
DROP FUNCTION api_token_use(bytea, timestamptz);
DROP TABLE api_token_windows, api_tokens;
