-- Single sign-on with OpenID Connect, per tenant (issue 20).
--
-- sso_providers: at most one identity provider per tenant, set by its admin. The client secret is
-- stored as given: the project has no facility for encrypting secrets at rest (the database's own
-- encryption and access control protect it). It is never written to the audit log nor shown back
-- on a page. domains are the email domains whose people may sign in through it (lower case).
-- create_members lets a first sign-in make a membership with default_role; require_for_staff
-- refuses password sign-in to the tenant's inspectorate staff. entra_tenant_id is Microsoft Entra
-- ID's directory (tenant) id: when set, every ID token's tid claim must equal it.
-- sso_links: who an identity at the provider is here. subject is the ID token's sub, or for Entra
-- ID "tid:oid" (the object id within the directory, stable across applications; Entra's sub is
-- pairwise per application).

-- +goose Up
CREATE TABLE sso_providers (
    tenant_id         uuid PRIMARY KEY REFERENCES tenants (id),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    issuer            text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 500),
    client_id         text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 500),
    client_secret     text NOT NULL CHECK (length(client_secret) BETWEEN 1 AND 2000),
    domains           text[] NOT NULL DEFAULT '{}',
    create_members    boolean NOT NULL DEFAULT false,
    default_role      text NOT NULL DEFAULT 'member' CHECK (default_role IN ('staff', 'member')),
    require_for_staff boolean NOT NULL DEFAULT false,
    entra_tenant_id   text NOT NULL DEFAULT '',
    version           integer NOT NULL DEFAULT 1,
    updated_by        uuid REFERENCES users (id),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sso_links (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    issuer     text NOT NULL,
    subject    text NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, issuer, subject),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id)
);
CREATE INDEX sso_links_user_idx ON sso_links (tenant_id, user_id);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sso_providers', 'sso_links']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())',
            t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO thematic_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- The migration owner may read providers, so that the look-ups below (SECURITY DEFINER, owned by
-- it) work before anyone is signed in. The server's role cannot.
CREATE POLICY sso_providers_owner_read ON sso_providers FOR SELECT TO CURRENT_USER USING (true);

-- A tenant's provider by the tenant's slug, for the sign-in page and the redirect to the provider.
CREATE FUNCTION sso_provider_by_slug(p_slug text)
RETURNS TABLE (tenant_id uuid, tenant_name text, name text, issuer text, client_id text, client_secret text,
               domains text[], create_members boolean, default_role text, require_for_staff boolean,
               entra_tenant_id text, version integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT p.tenant_id, t.name, p.name, p.issuer, p.client_id, p.client_secret, p.domains, p.create_members,
          p.default_role, p.require_for_staff, p.entra_tenant_id, p.version
   FROM tenants t JOIN sso_providers p ON p.tenant_id = t.id WHERE t.slug = p_slug $$;

-- Of the given tenants, those whose staff must sign in through their provider, with the slug and
-- provider name a sign-in button needs.
CREATE FUNCTION sso_required_tenants(p_tenants uuid[]) RETURNS TABLE (tenant_id uuid, slug text, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT p.tenant_id, t.slug, p.name FROM sso_providers p JOIN tenants t ON t.id = p.tenant_id
   WHERE p.tenant_id = ANY(p_tenants) AND p.require_for_staff ORDER BY t.name $$;

-- Who an identity at p_tenant's provider is, in one statement at the start of a sign-in's
-- transaction: the user its link names, the account with its (verified) email, that one's
-- membership of the tenant and how many organisations they are in. It scopes itself as it reads
-- (as app_tenants does) and leaves the transaction scoped to the tenant, for the writes that
-- follow.
-- +goose StatementBegin
CREATE FUNCTION sso_lookup(p_tenant uuid, p_issuer text, p_subject text, p_email text)
RETURNS TABLE (linked_user uuid, email_user uuid, member_found boolean, member_active boolean, tenants integer)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp AS
$$
DECLARE
    u uuid;
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true), set_config('app.user_id', '', true);
    SELECT l.user_id INTO linked_user FROM sso_links l
    WHERE l.tenant_id = p_tenant AND l.issuer = p_issuer AND l.subject = p_subject;
    SELECT a.id INTO email_user FROM auth_user_by_email(p_email) a;
    u := coalesce(linked_user, email_user);
    SELECT true, m.deactivated_at IS NULL INTO member_found, member_active FROM memberships m
    WHERE m.tenant_id = p_tenant AND m.user_id = u;
    member_found := coalesce(member_found, false);
    member_active := coalesce(member_active, false);
    tenants := 0;
    IF u IS NOT NULL THEN
        PERFORM set_config('app.tenant_id', '', true), set_config('app.user_id', u::text, true);
        SELECT count(*) INTO tenants FROM memberships m WHERE m.user_id = u AND m.deactivated_at IS NULL;
        PERFORM set_config('app.tenant_id', p_tenant::text, true), set_config('app.user_id', '', true);
    END IF;
    RETURN NEXT;
END
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION sso_provider_by_slug(text), sso_required_tenants(uuid[]), sso_lookup(uuid, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sso_provider_by_slug(text), sso_required_tenants(uuid[]), sso_lookup(uuid, text, text, text)
    TO thematic_app;

-- +goose Down
DROP FUNCTION sso_lookup(uuid, text, text, text);
DROP FUNCTION sso_required_tenants(uuid[]);
DROP FUNCTION sso_provider_by_slug(text);
DROP TABLE sso_links;
DROP TABLE sso_providers;
