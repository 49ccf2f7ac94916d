// Package retention forgets what must be forgotten: it takes personal data removed from a report
// out of the audit log, purges a published review's evidence once the tenant's retention period
// has passed (unless the review is on legal hold), and keeps a record of what it purged.
package retention

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/audit"
	"thematic/internal/evidence"
)

// ReasonReport is the reason given when personal data taken out of a report text is redacted.
const ReasonReport = "personal data removed from the report"

// RemovedPersonalData returns the stretches of before that the personal data check flags and
// that after no longer holds, each once, in the order they first appear.
func RemovedPersonalData(before, after string) []string {
	var gone []string
	for _, f := range evidence.Scan(before, nil) {
		t := strings.TrimSpace(f.Text)
		if t == "" || strings.Contains(after, t) || slices.Contains(gone, t) {
			continue
		}
		gone = append(gone, t)
	}
	return gone
}

// RedactReportText takes out of the audit entries of a review's report texts the personal data
// that the save from before to after removed. It is called in the save's transaction, after the
// save's own entry is written, so that entry is redacted too.
func RedactReportText(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID, actorEmail, before, after string) error {
	gone := RemovedPersonalData(before, after)
	if len(gone) == 0 {
		return nil
	}
	_, err := audit.Redact(ctx, tx, audit.Redaction{TenantID: tenantID, ActorID: actorID, ActorEmail: actorEmail,
		ObjectType: "report", ObjectIDs: []string{reviewID}, Actions: []string{"report.text_saved"},
		Texts: gone, Reason: ReasonReport})
	return err
}
