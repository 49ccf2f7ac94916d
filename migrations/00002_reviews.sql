-- Reviews: the review itself, its lines of enquiry, its framework (groups of action areas), the
-- local areas taking part, its members and their roles, visits with their teams, and each user's
-- calendar feed token. Every table here is tenant-owned: tenant_id leads its keys and indexes,
-- foreign keys include it, and RLS is FORCEd.

-- +goose Up

-- Inspectorate staff may set up reviews; external members (local authority contacts, observers)
-- only see the reviews they are added to.
ALTER TABLE memberships DROP CONSTRAINT memberships_role_check,
    ADD CONSTRAINT memberships_role_check CHECK (role IN ('admin', 'staff', 'member'));
ALTER TABLE invitations DROP CONSTRAINT invitations_role_check,
    ADD CONSTRAINT invitations_role_check CHECK (role IN ('admin', 'staff', 'member'));

-- The reference list of English upper-tier local authorities (see data/english-local-authorities.csv,
-- loaded by 00003). Public data: not tenant-owned.
CREATE TABLE local_authorities (
    ons_code    text PRIMARY KEY CHECK (ons_code ~ '^E(06|08|09|10)[0-9]{6}$'),
    name        text NOT NULL,
    dfe_la_code integer NOT NULL UNIQUE,
    region      text NOT NULL,
    type        text NOT NULL CHECK (type IN ('county', 'unitary', 'metropolitan_borough', 'london_borough'))
);
CREATE INDEX local_authorities_name_idx ON local_authorities (lower(name));

CREATE TABLE reviews (
    tenant_id           uuid NOT NULL REFERENCES tenants (id),
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary             text NOT NULL DEFAULT '' CHECK (length(summary) <= 5000),
    key_question        text NOT NULL DEFAULT '' CHECK (length(key_question) <= 1000),
    fieldwork_start     date,
    fieldwork_end       date,
    planned_publication date,
    status              text NOT NULL DEFAULT 'setup'
                        CHECK (status IN ('setup', 'fieldwork', 'analysis', 'drafting', 'quality_assurance', 'published')),
    version             integer NOT NULL DEFAULT 1,
    created_by          uuid REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK (fieldwork_end IS NULL OR fieldwork_start IS NULL OR fieldwork_end >= fieldwork_start)
);
CREATE INDEX reviews_tenant_created_idx ON reviews (tenant_id, created_at DESC);

-- Lines of enquiry, grouped as in the terms of reference.
CREATE TABLE enquiry_groups (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL,
    title     text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    position  integer NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX enquiry_groups_review_idx ON enquiry_groups (tenant_id, review_id, position);

CREATE TABLE enquiry_lines (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL,
    group_id  uuid NOT NULL,
    question  text NOT NULL CHECK (length(question) BETWEEN 1 AND 1000),
    position  integer NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, group_id) REFERENCES enquiry_groups (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX enquiry_lines_group_idx ON enquiry_lines (tenant_id, group_id, position);
CREATE INDEX enquiry_lines_review_idx ON enquiry_lines (tenant_id, review_id);

-- The framework: groups of action areas, each with an optional policy quote and its citation.
CREATE TABLE framework_groups (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL,
    title     text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    position  integer NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX framework_groups_review_idx ON framework_groups (tenant_id, review_id, position);

CREATE TABLE action_areas (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL,
    group_id  uuid NOT NULL,
    title     text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    quote     text NOT NULL DEFAULT '' CHECK (length(quote) <= 2000),
    citation  text NOT NULL DEFAULT '' CHECK (length(citation) <= 1000),
    position  integer NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, group_id) REFERENCES framework_groups (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX action_areas_group_idx ON action_areas (tenant_id, group_id, position);
CREATE INDEX action_areas_review_idx ON action_areas (tenant_id, review_id);

-- The local areas taking part in a review.
CREATE TABLE review_areas (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id  uuid NOT NULL,
    ons_code   text NOT NULL REFERENCES local_authorities (ons_code),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, review_id, ons_code),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);

-- Members of a review and their role in it. A local authority contact is bound to one area.
CREATE TABLE review_members (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id    uuid NOT NULL,
    user_id      uuid NOT NULL REFERENCES users (id),
    role         text NOT NULL CHECK (role IN ('lead', 'inspector', 'observer', 'la_contact')),
    area_id      uuid,
    inspectorate text NOT NULL DEFAULT '' CHECK (length(inspectorate) <= 100),
    job_title    text NOT NULL DEFAULT '' CHECK (length(job_title) <= 200),
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, review_id, user_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id),
    CHECK ((role = 'la_contact') = (area_id IS NOT NULL))
);
CREATE INDEX review_members_user_idx ON review_members (tenant_id, user_id);

-- People invited to a review who have no account yet: they become members when they accept the
-- tenant invitation sent with it.
CREATE TABLE review_member_invites (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id    uuid NOT NULL,
    email        text NOT NULL CHECK (email = lower(email)),
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('lead', 'inspector', 'observer', 'la_contact')),
    area_id      uuid,
    inspectorate text NOT NULL DEFAULT '',
    job_title    text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, review_id, email),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id) ON DELETE CASCADE,
    CHECK ((role = 'la_contact') = (area_id IS NOT NULL))
);
CREATE INDEX review_member_invites_email_idx ON review_member_invites (tenant_id, email);

CREATE TABLE visits (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id  uuid NOT NULL,
    area_id    uuid NOT NULL,
    start_date date NOT NULL,
    days       integer NOT NULL CHECK (days BETWEEN 1 AND 10),
    notes      text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id)
);
CREATE INDEX visits_review_idx ON visits (tenant_id, review_id, start_date);
CREATE INDEX visits_area_idx ON visits (tenant_id, area_id);

-- Who is on site, on which day. A person cannot be on site in two places on one day: the unique
-- key refuses it even if two leads schedule at once.
CREATE TABLE visit_days (
    tenant_id uuid NOT NULL,
    visit_id  uuid NOT NULL,
    member_id uuid NOT NULL,
    user_id   uuid NOT NULL,
    day       date NOT NULL,
    PRIMARY KEY (tenant_id, visit_id, member_id, day),
    UNIQUE (tenant_id, user_id, day),
    FOREIGN KEY (tenant_id, visit_id) REFERENCES visits (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, member_id) REFERENCES review_members (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX visit_days_member_idx ON visit_days (tenant_id, member_id);

-- Private calendar feed tokens (hashes only), one live token per user per tenant.
CREATE TABLE calendar_feeds (
    tenant_id  uuid NOT NULL,
    user_id    uuid NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id)
);

-- The feed is fetched by a calendar program, with no session: this finds whose it is.
CREATE FUNCTION calendar_feed_owner(p_hash bytea)
RETURNS TABLE (tenant_id uuid, user_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT f.tenant_id, f.user_id FROM calendar_feeds f
   JOIN memberships m ON m.tenant_id = f.tenant_id AND m.user_id = f.user_id AND m.deactivated_at IS NULL
   WHERE f.token_hash = p_hash $$;
REVOKE ALL ON FUNCTION calendar_feed_owner(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION calendar_feed_owner(bytea) TO thematic_app;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['reviews', 'enquiry_groups', 'enquiry_lines', 'framework_groups', 'action_areas',
        'review_areas', 'review_members', 'review_member_invites', 'visits', 'visit_days', 'calendar_feeds']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())',
            t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO thematic_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- The owner reads feeds for calendar_feed_owner (SECURITY DEFINER) before a tenant is known.
CREATE POLICY calendar_feeds_owner_read ON calendar_feeds FOR SELECT TO CURRENT_USER USING (true);
-- memberships too, for the same function's join.
CREATE POLICY memberships_owner_read ON memberships FOR SELECT TO CURRENT_USER USING (true);

GRANT SELECT ON local_authorities TO thematic_app;

-- +goose Down
ALTER TABLE memberships DROP CONSTRAINT memberships_role_check,
    ADD CONSTRAINT memberships_role_check CHECK (role IN ('admin', 'member'));
ALTER TABLE invitations DROP CONSTRAINT invitations_role_check,
    ADD CONSTRAINT invitations_role_check CHECK (role IN ('admin', 'member'));
DROP FUNCTION calendar_feed_owner(bytea);
DROP POLICY memberships_owner_read ON memberships;
DROP TABLE calendar_feeds, visit_days, visits, review_member_invites, review_members, review_areas,
    action_areas, framework_groups, enquiry_lines, enquiry_groups, reviews, local_authorities;
