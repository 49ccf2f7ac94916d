-- What every signed-in request needs before its own work, read in one statement: the user and
-- their membership of the session's tenant, their place in the review the path names (if any),
-- and for a lead that review's open safeguarding concerns (the banner).
--
-- Before this, a review page sent three transactions for these (BEGIN, set_config, SELECT,
-- COMMIT each): twelve statements of a budget of ten per request. The function sets the
-- request's tenant and user for its own statement only (set_config(..., true) in the statement's
-- implicit transaction), so a pooled connection carries nothing over. It runs as the caller
-- (SECURITY INVOKER): row-level security applies to every read exactly as in a transaction
-- scoped by the application.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION app_request(p_tenant text, p_user text, p_review text)
RETURNS TABLE (user_id uuid, email text, name text, totp_enabled boolean, user_version integer,
               tenant_id uuid, tenant_name text, require_2fa boolean, role text, member_version integer,
               deactivated boolean, review_member_id uuid, review_role text, review_area_id uuid,
               open_concerns bigint)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS
$$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant, true), set_config('app.user_id', p_user, true);
    RETURN QUERY
    SELECT u.id, u.email, u.name, u.totp_enabled, u.auth_version,
           t.id, t.name, t.require_2fa, m.role, m.auth_version, m.deactivated_at IS NOT NULL,
           rm.id, rm.role, rm.area_id,
           CASE WHEN rm.role = 'lead' THEN (SELECT count(*) FROM evidence_notes n
               WHERE n.tenant_id = rm.tenant_id AND n.review_id = rm.review_id
                 AND n.safeguarding AND n.safeguarding_closed_at IS NULL) END
    FROM users u
    JOIN memberships m ON m.user_id = u.id AND m.tenant_id = p_tenant::uuid
    JOIN tenants t ON t.id = m.tenant_id
    LEFT JOIN review_members rm ON rm.tenant_id = m.tenant_id AND rm.review_id = p_review::uuid
        AND rm.user_id = u.id
    WHERE u.id = p_user::uuid;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION app_request(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_request(text, text, text) TO thematic_app;

-- +goose Down
DROP FUNCTION app_request(text, text, text);
