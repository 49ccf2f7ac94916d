-- The memberships a user may choose from at sign-in, read in one statement that scopes itself
-- to the user alone (no tenant: the memberships policy then shows the user's own memberships),
-- for its own statement only, as app_request does. Sign-in was three transactions before.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION app_tenants(p_user text)
RETURNS TABLE (id uuid, name text, role text)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS
$$
BEGIN
    PERFORM set_config('app.tenant_id', '', true), set_config('app.user_id', p_user, true);
    RETURN QUERY
    SELECT t.id, t.name, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id
    WHERE m.user_id = p_user::uuid AND m.deactivated_at IS NULL ORDER BY t.name;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION app_tenants(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_tenants(text) TO thematic_app;

-- +goose Down
DROP FUNCTION app_tenants(text);
