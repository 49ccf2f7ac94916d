-- The planner's estimate of a review's notes in one area: with the three columns of the area
-- index taken as independent it guessed 700 notes where an area of the national-scale data holds
-- 6,800, and so chose to read all of them through a bitmap and sort them (12,000 buffers, 10 ms
-- and spikes past 100 ms) instead of walking the area index in the list's order to the page's end
-- (360 buffers). Statistics on the three together give it the area's real size.

-- +goose Up
CREATE STATISTICS evidence_notes_review_area_stats (dependencies, mcv) ON tenant_id, review_id, area_id
    FROM evidence_notes;
ANALYZE evidence_notes;

-- +goose Down
DROP STATISTICS evidence_notes_review_area_stats;
