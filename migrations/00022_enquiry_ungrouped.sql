-- Lines of enquiry before any group: the terms of reference come first, and some list their
-- lines without groups. A line's group becomes optional; lines with none are numbered 1, 2, 3…
-- among themselves (position) and listed before the groups, until the lead moves them into one.
-- The composite foreign key to enquiry_groups stays (a NULL group_id is not checked), as do the
-- tenant_id-leading keys and row-level security.

-- +goose Up
ALTER TABLE enquiry_lines ALTER COLUMN group_id DROP NOT NULL;
CREATE INDEX enquiry_lines_ungrouped_idx ON enquiry_lines (tenant_id, review_id, position) WHERE group_id IS NULL;

-- +goose Down
-- Lines with no group go into a group of their own after their review's groups. Row-level
-- security would show the owner no tenant's rows, so it is lifted for the owner for these
-- statements, inside the migration's transaction, and FORCEd again.
ALTER TABLE enquiry_groups NO FORCE ROW LEVEL SECURITY;
ALTER TABLE enquiry_lines NO FORCE ROW LEVEL SECURITY;
WITH made AS (
    INSERT INTO enquiry_groups (tenant_id, review_id, title, position)
    SELECT l.tenant_id, l.review_id, 'Not in a group',
        coalesce((SELECT max(g.position) FROM enquiry_groups g WHERE g.tenant_id = l.tenant_id AND g.review_id = l.review_id), 0) + 1
    FROM enquiry_lines l WHERE l.group_id IS NULL GROUP BY l.tenant_id, l.review_id
    RETURNING tenant_id, id, review_id)
UPDATE enquiry_lines l SET group_id = made.id
FROM made WHERE l.group_id IS NULL AND l.tenant_id = made.tenant_id AND l.review_id = made.review_id;
ALTER TABLE enquiry_groups FORCE ROW LEVEL SECURITY;
ALTER TABLE enquiry_lines FORCE ROW LEVEL SECURITY;
DROP INDEX enquiry_lines_ungrouped_idx;
ALTER TABLE enquiry_lines ALTER COLUMN group_id SET NOT NULL;
