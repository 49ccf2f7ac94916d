-- Foundation: tenants, users, memberships, sessions, invitations, password resets, two-factor
-- recovery codes, sign-in throttling, the audit log and the development mailbox.
--
-- Row-level security: every tenant-owned table is FORCEd, with policies on app.tenant_id, which the
-- application sets per transaction. thematic_app, the role the server runs as, owns nothing and
-- cannot bypass RLS; the owner runs migrations.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'thematic_app') THEN
        CREATE ROLE thematic_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END
$$;
-- +goose StatementEnd

-- The current tenant and user of this transaction, or NULL.
CREATE FUNCTION app_tenant() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;
CREATE FUNCTION app_user() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

CREATE TABLE tenants (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    require_2fa boolean NOT NULL DEFAULT false,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Users are people, not tenant data: one person may belong to several tenants.
CREATE TABLE users (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email              text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash      text NOT NULL DEFAULT '',
    totp_secret        text NOT NULL DEFAULT '',
    totp_enabled       boolean NOT NULL DEFAULT false,
    totp_last_step     bigint NOT NULL DEFAULT 0,
    -- Bumped when sign-in facts change (password, two-factor); sessions holding an older value end.
    auth_version       integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE memberships (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    user_id        uuid NOT NULL REFERENCES users (id),
    role           text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
    deactivated_at timestamptz,
    -- Bumped on role change or deactivation: sessions holding an older value renew or end.
    auth_version   integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id, tenant_id);

CREATE TABLE invitations (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    email       text NOT NULL CHECK (email = lower(email)),
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('admin', 'member')),
    invited_by  uuid NOT NULL REFERENCES users (id),
    token_hash  bytea NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX invitations_tenant_email_idx ON invitations (tenant_id, email);

CREATE TABLE password_resets (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id),
    token_hash bytea NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

CREATE TABLE recovery_codes (
    user_id   uuid NOT NULL REFERENCES users (id),
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Failed sign-in attempts by key ('account:<email>' or 'ip:<address>').
CREATE TABLE auth_failures (
    key text NOT NULL,
    at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_key_at_idx ON auth_failures (key, at);

-- scs sessions (github.com/alexedwards/scs/pgxstore).
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Outgoing mail kept for the development mailbox when no SMTP server is configured.
CREATE TABLE dev_mail (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_address text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The audit log: append-only for the application. tenant_id is NULL only for events outside any
-- tenant (a failed sign-in for an unknown email).
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    tenant_id   uuid REFERENCES tenants (id),
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid,
    actor_email text NOT NULL DEFAULT '',
    action      text NOT NULL,
    object_type text NOT NULL DEFAULT '',
    object_id   text NOT NULL DEFAULT '',
    before      jsonb,
    after       jsonb,
    request_id  text NOT NULL DEFAULT '',
    ip          text NOT NULL DEFAULT '',
    PRIMARY KEY (id)
);
CREATE INDEX audit_log_tenant_at_idx ON audit_log (tenant_id, at DESC, id DESC);
CREATE INDEX audit_log_tenant_object_idx ON audit_log (tenant_id, object_type, object_id, at DESC);

-- Row-level security.
-- Not FORCEd: the owner (command line, SECURITY DEFINER look-ups) sees every tenant; the server's
-- role does not.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
-- A transaction sees its tenant; with no tenant set, a signed-in user sees the tenants they belong to.
CREATE POLICY tenants_read ON tenants FOR SELECT USING (
    id = app_tenant()
    OR (app_tenant() IS NULL AND EXISTS (
        SELECT 1 FROM memberships m
        WHERE m.tenant_id = tenants.id AND m.user_id = app_user() AND m.deactivated_at IS NULL)));
CREATE POLICY tenants_update ON tenants FOR UPDATE USING (id = app_tenant()) WITH CHECK (id = app_tenant());

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_read ON memberships FOR SELECT USING (
    tenant_id = app_tenant() OR (app_tenant() IS NULL AND user_id = app_user()));
CREATE POLICY memberships_write ON memberships FOR INSERT WITH CHECK (tenant_id = app_tenant());
CREATE POLICY memberships_update ON memberships FOR UPDATE USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_tenant ON invitations USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
-- The migration owner may read invitations, so that auth_invitation_by_token (SECURITY DEFINER,
-- owned by it) can find one by its token before anyone is signed in. The server's role cannot.
CREATE POLICY invitations_owner_read ON invitations FOR SELECT TO CURRENT_USER USING (true);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (tenant_id = app_tenant());
CREATE POLICY audit_log_insert ON audit_log FOR INSERT WITH CHECK (tenant_id IS NOT DISTINCT FROM app_tenant());

-- Users: the signed-in user sees themself; within a tenant, its members are visible. Not FORCEd,
-- so the SECURITY DEFINER look-ups below (owned by the migration owner) can find a user by email
-- before anyone is signed in.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT USING (
    id = app_user()
    OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.tenant_id = app_tenant()));
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK (true);
CREATE POLICY users_update ON users FOR UPDATE USING (id = app_user()) WITH CHECK (id = app_user());

-- Recovery codes: only their owner, once their password is checked (app.user_id set).
ALTER TABLE recovery_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE recovery_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY recovery_codes_own ON recovery_codes USING (user_id = app_user()) WITH CHECK (user_id = app_user());

-- Sign-in look-ups that must work before a user or tenant is known. They return only what the
-- caller needs to check a credential.
CREATE FUNCTION auth_user_by_email(p_email text)
RETURNS TABLE (id uuid, email text, name text, password_hash text, totp_enabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT u.id, u.email, u.name, u.password_hash, u.totp_enabled FROM users u WHERE u.email = lower(p_email) $$;

CREATE FUNCTION auth_invitation_by_token(p_hash bytea)
RETURNS TABLE (tenant_id uuid, id uuid, email text, name text, role text, expires_at timestamptz,
               accepted_at timestamptz, revoked_at timestamptz, tenant_name text, user_exists boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT i.tenant_id, i.id, i.email, i.name, i.role, i.expires_at, i.accepted_at, i.revoked_at, t.name,
          EXISTS (SELECT 1 FROM users u WHERE u.email = i.email)
   FROM invitations i JOIN tenants t ON t.id = i.tenant_id WHERE i.token_hash = p_hash $$;

-- Password reset by a user who is not signed in: the token was checked by the caller.
CREATE FUNCTION auth_set_password(p_user uuid, p_hash text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ UPDATE users SET password_hash = p_hash, auth_version = auth_version + 1, updated_at = now() WHERE id = p_user $$;

REVOKE ALL ON FUNCTION auth_user_by_email(text), auth_invitation_by_token(bytea),
    auth_set_password(uuid, text) FROM PUBLIC;

GRANT USAGE ON SCHEMA public TO thematic_app;
GRANT SELECT, UPDATE ON tenants TO thematic_app;
GRANT SELECT, INSERT, UPDATE ON users, memberships, invitations TO thematic_app;
GRANT SELECT, INSERT, UPDATE ON password_resets TO thematic_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON recovery_codes TO thematic_app;
GRANT SELECT, INSERT, DELETE ON auth_failures TO thematic_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO thematic_app;
GRANT SELECT, INSERT, DELETE ON dev_mail TO thematic_app;
GRANT SELECT, INSERT ON audit_log TO thematic_app;
-- goose created its table before this migration; /readyz reads it.
GRANT SELECT ON goose_db_version TO thematic_app;
GRANT EXECUTE ON FUNCTION app_tenant(), app_user(), auth_user_by_email(text),
    auth_invitation_by_token(bytea), auth_set_password(uuid, text) TO thematic_app;

-- +goose Down
DROP FUNCTION auth_set_password(uuid, text);
DROP FUNCTION auth_invitation_by_token(bytea);
DROP FUNCTION auth_user_by_email(text);
DROP TABLE audit_log, dev_mail, sessions, auth_failures, recovery_codes, password_resets, invitations,
    memberships, users, tenants;
DROP FUNCTION app_user();
DROP FUNCTION app_tenant();
