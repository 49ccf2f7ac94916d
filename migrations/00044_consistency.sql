-- Consistency between inspectors: a review's lead draws a sample of evidence notes for double
-- coding; second coders (members of the review's team other than a note's author) code each
-- sampled note blind; the lead records the agreed coding of notes the coders disagreed on.
-- One sample per review: drawing again replaces it (the codings of the old one go with it).

-- +goose Up
CREATE TABLE consistency_samples (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    review_id        uuid NOT NULL,
    method           text NOT NULL CHECK (method IN ('random', 'area', 'action_area')),
    share_percent    integer NOT NULL CHECK (share_percent BETWEEN 1 AND 100),
    filter_id        uuid, -- the review area or action area sampled from, for 'area' and 'action_area'
    seed             bigint NOT NULL,
    population       integer NOT NULL, -- notes the sample was drawn from
    idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 64),
    in_methodology   boolean NOT NULL DEFAULT false,
    version          integer NOT NULL DEFAULT 1,
    created_by       uuid NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, review_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, created_by) REFERENCES memberships (tenant_id, user_id)
);

-- The sampled notes, with the author's coding as it stood when the sample was drawn (the first
-- coder's), so that the figures do not move when a note's tags change later.
CREATE TABLE consistency_sample_notes (
    tenant_id     uuid NOT NULL,
    sample_id     uuid NOT NULL,
    note_id       uuid NOT NULL,
    position      integer NOT NULL,
    action_areas  uuid[] NOT NULL DEFAULT '{}',
    judgement     text NOT NULL CHECK (judgement IN ('strength', 'development', 'neutral')),
    good_practice boolean NOT NULL,
    PRIMARY KEY (tenant_id, sample_id, note_id),
    FOREIGN KEY (tenant_id, sample_id) REFERENCES consistency_samples (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, note_id) REFERENCES evidence_notes (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX consistency_sample_notes_note_idx ON consistency_sample_notes (tenant_id, note_id);

-- The second coders of a sample: each codes every sampled note (none of them wrote any).
CREATE TABLE consistency_coders (
    tenant_id uuid NOT NULL,
    sample_id uuid NOT NULL,
    member_id uuid NOT NULL,
    position  integer NOT NULL,
    PRIMARY KEY (tenant_id, sample_id, member_id),
    FOREIGN KEY (tenant_id, sample_id) REFERENCES consistency_samples (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, member_id) REFERENCES review_members (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX consistency_coders_member_idx ON consistency_coders (tenant_id, member_id);

-- A second coder's blind coding of a sampled note.
CREATE TABLE consistency_codings (
    tenant_id     uuid NOT NULL,
    sample_id     uuid NOT NULL,
    note_id       uuid NOT NULL,
    member_id     uuid NOT NULL,
    action_areas  uuid[] NOT NULL DEFAULT '{}',
    judgement     text NOT NULL CHECK (judgement IN ('strength', 'development', 'neutral')),
    good_practice boolean NOT NULL,
    version       integer NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, sample_id, note_id, member_id),
    FOREIGN KEY (tenant_id, sample_id, note_id) REFERENCES consistency_sample_notes (tenant_id, sample_id, note_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, sample_id, member_id) REFERENCES consistency_coders (tenant_id, sample_id, member_id) ON DELETE CASCADE
);
CREATE INDEX consistency_codings_member_idx ON consistency_codings (tenant_id, sample_id, member_id);

-- The coding the lead recorded after moderating a note the coders disagreed on.
CREATE TABLE consistency_agreed (
    tenant_id     uuid NOT NULL,
    sample_id     uuid NOT NULL,
    note_id       uuid NOT NULL,
    action_areas  uuid[] NOT NULL DEFAULT '{}',
    judgement     text NOT NULL CHECK (judgement IN ('strength', 'development', 'neutral')),
    good_practice boolean NOT NULL,
    comment       text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    version       integer NOT NULL DEFAULT 1,
    agreed_by     uuid NOT NULL,
    agreed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, sample_id, note_id),
    FOREIGN KEY (tenant_id, sample_id, note_id) REFERENCES consistency_sample_notes (tenant_id, sample_id, note_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, agreed_by) REFERENCES memberships (tenant_id, user_id)
);

ALTER TABLE consistency_samples ENABLE ROW LEVEL SECURITY;
ALTER TABLE consistency_samples FORCE ROW LEVEL SECURITY;
CREATE POLICY consistency_samples_tenant ON consistency_samples
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON consistency_samples TO thematic_app;

ALTER TABLE consistency_sample_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE consistency_sample_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY consistency_sample_notes_tenant ON consistency_sample_notes
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON consistency_sample_notes TO thematic_app;

ALTER TABLE consistency_coders ENABLE ROW LEVEL SECURITY;
ALTER TABLE consistency_coders FORCE ROW LEVEL SECURITY;
CREATE POLICY consistency_coders_tenant ON consistency_coders
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON consistency_coders TO thematic_app;

ALTER TABLE consistency_codings ENABLE ROW LEVEL SECURITY;
ALTER TABLE consistency_codings FORCE ROW LEVEL SECURITY;
CREATE POLICY consistency_codings_tenant ON consistency_codings
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON consistency_codings TO thematic_app;

ALTER TABLE consistency_agreed ENABLE ROW LEVEL SECURITY;
ALTER TABLE consistency_agreed FORCE ROW LEVEL SECURITY;
CREATE POLICY consistency_agreed_tenant ON consistency_agreed
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON consistency_agreed TO thematic_app;

-- +goose Down
DROP TABLE consistency_agreed;
DROP TABLE consistency_codings;
DROP TABLE consistency_coders;
DROP TABLE consistency_sample_notes;
DROP TABLE consistency_samples;
