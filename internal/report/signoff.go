package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/review"
)

// The sign-off is bound to the report's content. Sending for quality assurance, approving and
// publishing each save a version. Approving records the hash of the document model it approved
// (reports.approved_hash) and the version saved (reports.approved_version). The report's data
// can change by paths nobody thinks of (a team member's role, a visit whose day comes, evidence
// purged, a name corrected by an administrator), so no list of paths decides whether the
// approval holds: the report is built and hashed, and while the hash differs the report is not
// approved. Publishing needs them equal. A sign-off step that finds them different returns the
// report to drafting first ("report.approval_lapsed").

// stepLabels are the labels of the versions the sign-off's steps save.
var stepLabels = map[string]string{
	StatusQA:        "Sent for quality assurance",
	StatusApproved:  "Approved",
	StatusPublished: "Published",
}

// Hash is the SHA-256, in hex, of what the report shows: the document model in its JSON form
// (which has no maps, no times of building and no ids made at build time, so the same data
// always gives the same bytes), without what is never published: the flags for the lead and
// the evidence notes behind each block. A saved version read back hashes as it did when built.
func Hash(d *Doc) string {
	c := *d
	c.Blocks = make([]Block, len(d.Blocks))
	for i, b := range d.Blocks {
		b.Flag = ""
		b.Origin.Notes = nil
		c.Blocks[i] = b
	}
	// A Doc is strings, numbers and slices: encoding it cannot fail.
	body, _ := json.Marshal(&c)
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// ApprovalHolds reports whether d, the report as built now, is what the second lead approved.
// A report approved before approvals were bound to content has no hash: nothing holds for it.
func (s State) ApprovalHolds(d *Doc) bool {
	return s.ApprovedHash != "" && s.ApprovedHash == Hash(d)
}

// Lapse is a report that changed after its approval.
type Lapse struct {
	// ApprovedVersion is the version that was approved, 0 when the approval recorded none.
	ApprovedVersion int
	// Persisted says the report has been returned to drafting; false while only the build shows
	// the change (the next sign-off step returns it).
	Persisted bool
	Lines     []Line // the approved version compared with the report now; nil without a version
	Changes   int    // lines changed (at most, when TooLarge)
	// TooLarge says why the lines are not shown: the two differ in too many places to compare.
	TooLarge string
}

// ChangedSinceApproval says how the report, built now as d, changed after its approval, or nil when it did
// not: the report is approved but d is not what was approved, or an approval lapsed earlier and
// the report is being drafted again. approved is the approved version's document (Loaded.Approved).
func ChangedSinceApproval(s State, approved, d *Doc) *Lapse {
	var lp *Lapse
	switch {
	case s.Status == StatusApproved && !s.ApprovalHolds(d):
		lp = &Lapse{ApprovedVersion: s.ApprovedVersion}
	case (s.Status == StatusDraft || s.Status == StatusChangesRequested) && s.ApprovedVersion > 0:
		lp = &Lapse{ApprovedVersion: s.ApprovedVersion, Persisted: true}
	default:
		return nil
	}
	if approved != nil {
		lines, err := Compare(approved, d)
		var tl *TooLargeError
		if errors.As(err, &tl) {
			lp.TooLarge, lp.Changes = tl.Error(), max(tl.From, tl.To)
		} else {
			lp.Lines, lp.Changes = lines, Changes(lines)
		}
	}
	return lp
}

// Shown is the state as people should read it: an approved report that changed since its
// approval is a draft again, whatever is stored.
func (s State) Shown(d *Doc) State {
	if s.Status == StatusApproved && !s.ApprovalHolds(d) {
		s.Status = StatusDraft
	}
	return s
}

// lapseIfChanged builds an approved report as it is now and, when it is no longer what was
// approved, returns it to drafting: the report a draft again and the review back from quality
// assurance to drafting, each audited. It returns the lapse, or nil when the approval holds or
// the report is not approved. The review's row and the report's are locked by the caller.
func lapseIfChanged(ctx context.Context, tx pgx.Tx, rv review.Review, cur State, actorID string, b *builtOnce) (*Lapse, error) {
	if cur.Status != StatusApproved {
		return nil, nil
	}
	l, doc, err := b.get(ctx, tx, rv.TenantID, rv.ID)
	if err != nil {
		return nil, err
	}
	lp := ChangedSinceApproval(cur, l.Approved, doc)
	if lp == nil {
		return nil, nil
	}
	return lp, lapse(ctx, tx, rv, cur, actorID, lp, Hash(doc))
}

// builtOnce is the report built at most once in a sign-off step: checking that the approval
// still holds and saving the step's version read the same report (nothing the report shows
// changes in between).
type builtOnce struct {
	withCheck bool // read what the publication check needs (publishing)
	done      bool
	l         Loaded
	doc       Doc
}

func (b *builtOnce) get(ctx context.Context, tx pgx.Tx, tenantID, reviewID string) (*Loaded, *Doc, error) {
	if !b.done {
		l, err := LoadAll(ctx, tx, tenantID, reviewID, LoadOptions{WithCheck: b.withCheck})
		if err != nil {
			return nil, nil, err
		}
		b.l, b.done = l, true
		b.doc, _ = Build(l.Data)
	}
	return &b.l, &b.doc, nil
}

// lapsedMove is what a lapse moved.
func lapsedMove(rv review.Review, cur State, lp *Lapse) Moved {
	m := Moved{From: rv.Status, To: rv.Status, Report: cur, ReportTo: StatusDraft, Lapse: lp}
	if rv.Status == review.StatusQA {
		m.To = review.StatusDrafting
	}
	return m
}

// lapse writes the return to drafting of an approval that no longer holds.
func lapse(ctx context.Context, tx pgx.Tx, rv review.Review, cur State, actorID string, lp *Lapse, hash string) error {
	note := "The report changed after it was approved, so it needs quality assurance again."
	if lp.ApprovedVersion > 0 {
		note = fmt.Sprintf("The report changed after version %d was approved, so it needs quality assurance again.", lp.ApprovedVersion)
	}
	if _, err := tx.Exec(ctx, `UPDATE reports SET status = $3, status_note = $4, status_by = $5, status_at = now(), version = version + 1
		WHERE tenant_id = $1 AND review_id = $2`, rv.TenantID, rv.ID, StatusDraft, note, actorID); err != nil {
		return fmt.Errorf("report: lapse approval: %w", err)
	}
	if err := audit.Record(ctx, tx, audit.Event{TenantID: rv.TenantID, ActorID: actorID,
		Action: "report.approval_lapsed", ObjectType: "report", ObjectID: rv.ID,
		Before: map[string]any{"status": cur.Status, "approved_version": cur.ApprovedVersion, "approved_hash": cur.ApprovedHash},
		After:  map[string]any{"status": StatusDraft, "changed_lines": lp.Changes, "hash": hash}}); err != nil {
		return err
	}
	lp.Persisted = true
	if rv.Status != review.StatusQA {
		return nil
	}
	return setStage(ctx, tx, rv, actorID, review.StatusDrafting, note)
}

// stepVersion saves the report as built now as the version of a sign-off step, labelled for the
// step, and returns it with the document's hash (nothing for a step that saves none). Publishing
// first checks that the report is still what was approved and that the publication check finds
// nothing blocking. The review's row is locked by the caller (versions are numbered per review).
func stepVersion(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID string, cur State, reportTo string, b *builtOnce) (Version, string, error) {
	label, ok := stepLabels[reportTo]
	if !ok {
		return Version{}, "", nil
	}
	if reportTo == StatusPublished && b.done && !b.withCheck {
		b.done, b.withCheck = false, true // built without what the check needs: build again
	}
	b.withCheck = b.withCheck || reportTo == StatusPublished
	l, d, err := b.get(ctx, tx, tenantID, reviewID)
	if err != nil {
		return Version{}, "", err
	}
	doc := *d
	if reportTo == StatusPublished {
		if !cur.ApprovalHolds(&doc) {
			return Version{}, "", &StepError{Message: ChangedMessage}
		}
		if n := Blocking(Check(&doc, l.Terms, l.Overrides)); n > 0 {
			what := strconv.Itoa(n) + " things that block publication"
			if n == 1 {
				what = "1 thing that blocks publication"
			}
			return Version{}, "", &StepError{Message: "The report cannot be published: the publication check found " + what + ". Fix or keep each one first."}
		}
	}
	v, err := saveVersionAudited(ctx, tx, tenantID, reviewID, actorID, label, &doc)
	if err != nil {
		return Version{}, "", err
	}
	return v, Hash(&doc), nil
}

// saveVersionAudited saves d as the next version with its audit entry ("report.version_saved",
// its number and label) in one statement. The caller holds the report's lock.
func saveVersionAudited(ctx context.Context, tx pgx.Tx, tenantID, reviewID, actorID, label string, d *Doc) (Version, error) {
	body, err := json.Marshal(d)
	if err != nil {
		return Version{}, fmt.Errorf("report: save version: %w", err)
	}
	meta := audit.MetaFrom(ctx)
	v := Version{Label: strings.TrimSpace(label)}
	err = tx.QueryRow(ctx, `WITH v AS (
			INSERT INTO report_versions (tenant_id, review_id, number, label, doc, created_by)
			VALUES ($1, $2, (SELECT coalesce(max(number), 0) + 1 FROM report_versions WHERE tenant_id = $1 AND review_id = $2), $3, $4, $5)
			RETURNING id, review_id, number, label, created_at),
		entry AS (`+audit.InsertFrom+`
			SELECT $1, $5, `+audit.ActorEmailSQL("$5::uuid")+`, 'report.version_saved', 'report', v.review_id::text, NULL,
				jsonb_build_object('number', v.number, 'label', v.label), $6, $7 FROM v)
		SELECT id::text, number, created_at FROM v`, tenantID, reviewID, v.Label, body, actorID, meta.RequestID, meta.IP).
		Scan(&v.ID, &v.Number, &v.CreatedAt)
	if err != nil {
		return Version{}, fmt.Errorf("report: save version: %w", db.MapError(err))
	}
	return v, nil
}

// ChangedMessage is why a report that changed after its approval cannot be published.
const ChangedMessage = "The report cannot be published: it changed after it was approved. It has returned to drafting: " +
	"send it for quality assurance again, and publish it once another lead has approved it."
