-- The names of a review's people change rarely, but every note saved is checked against them.
-- A version says when they may have changed, so that a server can keep them between saves and
-- read them again only then: reviews.staff_version moves when the review's members or invited
-- people change, and staff_names_generation.n when anyone's name changes (a person may be in
-- several tenants' reviews, so that one is global and holds no tenant's data).

-- +goose Up
ALTER TABLE reviews ADD COLUMN staff_version bigint NOT NULL DEFAULT 0;

CREATE TABLE staff_names_generation (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    n   bigint NOT NULL DEFAULT 0
);
INSERT INTO staff_names_generation DEFAULT VALUES;
GRANT SELECT, UPDATE ON staff_names_generation TO thematic_app;

-- Statement triggers: adding a review's hundreds of members at once moves its version once.
-- A review deleted in the same statement is not found and not updated.
-- +goose StatementBegin
CREATE FUNCTION review_staff_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    UPDATE reviews r SET staff_version = r.staff_version + 1
    WHERE (r.tenant_id, r.id) IN (SELECT DISTINCT c.tenant_id, c.review_id FROM changed c);
    RETURN NULL;
END
$f$;
-- +goose StatementEnd
CREATE TRIGGER review_members_staff_inserted AFTER INSERT ON review_members
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION review_staff_changed();
CREATE TRIGGER review_members_staff_deleted AFTER DELETE ON review_members
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION review_staff_changed();
CREATE TRIGGER review_members_staff_updated AFTER UPDATE ON review_members
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION review_staff_changed();
CREATE TRIGGER review_member_invites_staff_inserted AFTER INSERT ON review_member_invites
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION review_staff_changed();
CREATE TRIGGER review_member_invites_staff_deleted AFTER DELETE ON review_member_invites
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION review_staff_changed();
CREATE TRIGGER review_member_invites_staff_updated AFTER UPDATE ON review_member_invites
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION review_staff_changed();

-- +goose StatementBegin
CREATE FUNCTION staff_names_renamed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    UPDATE staff_names_generation SET n = n + 1;
    RETURN NULL;
END
$f$;
-- +goose StatementEnd
CREATE TRIGGER users_staff_renamed AFTER UPDATE OF name ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION staff_names_renamed();

-- +goose Down
DROP TRIGGER users_staff_renamed ON users;
DROP FUNCTION staff_names_renamed();
DROP TRIGGER review_member_invites_staff_updated ON review_member_invites;
DROP TRIGGER review_member_invites_staff_deleted ON review_member_invites;
DROP TRIGGER review_member_invites_staff_inserted ON review_member_invites;
DROP TRIGGER review_members_staff_updated ON review_members;
DROP TRIGGER review_members_staff_deleted ON review_members;
DROP TRIGGER review_members_staff_inserted ON review_members;
DROP FUNCTION review_staff_changed();
DROP TABLE staff_names_generation;
ALTER TABLE reviews DROP COLUMN staff_version;
