-- Approval is bound to content: approving the report records which saved version was approved
-- (approved_version, the version saved by the approval step) and the SHA-256 of that document
-- model (approved_hash, hex). The app builds the report and compares hashes; while they differ
-- the report is not approved, whatever its status says, and it cannot be published. A report
-- approved before this migration has no hash and needs approving again.

-- +goose Up
ALTER TABLE reports
    ADD COLUMN approved_hash    text CHECK (approved_hash ~ '^[0-9a-f]{64}$'),
    ADD COLUMN approved_version integer CHECK (approved_version > 0);

-- +goose Down
ALTER TABLE reports DROP COLUMN approved_version, DROP COLUMN approved_hash;
