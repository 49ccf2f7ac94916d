-- The evidence base's filter offers the people who wrote the review's notes. Read as the
-- application, each of the tenant's members' user rows passed the users policy's membership
-- look-up (about 2,100 of the 3,700 buffers of that list, at national scale, on every page); as
-- the owner the users are read directly, and only for a review of the caller's tenant.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION review_note_authors(p_tenant uuid, p_review uuid) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $f$
BEGIN
    RETURN (SELECT coalesce(json_agg(json_build_array(u.id, u.name) ORDER BY u.name, u.id), '[]')
        FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.tenant_id = p_tenant AND p_tenant = app_tenant()
            AND EXISTS (SELECT 1 FROM evidence_notes n WHERE n.tenant_id = p_tenant AND n.review_id = p_review
                AND n.author_id = m.user_id AND n.deleted_at IS NULL AND NOT n.safeguarding));
END
$f$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION review_note_authors(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION review_note_authors(uuid, uuid) TO thematic_app;

-- +goose Down
DROP FUNCTION review_note_authors(uuid, uuid);
