-- Self-assessment reminders: one row per reminder email sent to a local authority contact, 7 days
-- and 1 day before their area's deadline (internal/reminder). The key makes a reminder for a given
-- deadline go to a given person once, however often its background job runs.

-- +goose Up
CREATE TABLE sa_reminders (
    tenant_id   uuid NOT NULL,
    review_id   uuid NOT NULL,
    area_id     uuid NOT NULL,
    deadline    date NOT NULL,
    days_before integer NOT NULL CHECK (days_before IN (1, 7)),
    user_id     uuid NOT NULL REFERENCES users (id),
    sent_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, area_id, deadline, days_before, user_id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, area_id) REFERENCES review_areas (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sa_reminders_review_idx ON sa_reminders (tenant_id, review_id);
CREATE INDEX sa_reminders_user_idx ON sa_reminders (tenant_id, user_id);

ALTER TABLE sa_reminders ENABLE ROW LEVEL SECURITY;
ALTER TABLE sa_reminders FORCE ROW LEVEL SECURITY;
CREATE POLICY sa_reminders_tenant ON sa_reminders
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT ON sa_reminders TO thematic_app;

-- +goose Down
DROP TABLE sa_reminders;
