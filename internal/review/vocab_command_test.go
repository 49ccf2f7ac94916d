package review_test

import (
	"errors"
	"testing"

	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
)

// The commands of the review's set-up run in their own transaction, record their audit entry in
// it, and come back with the page to show again when they refuse a change.
func TestSetUpCommandsAuditAndRefuseWithTheirPage(t *testing.T) {
	t.Parallel()
	w := detNew(t)
	id := w.create(w.tenantID, w.leadID, "Commands review")
	sc := db.Scope{TenantID: w.tenantID, UserID: w.leadID, Email: "a@det-a.test", ReviewID: id}
	pool := w.d.App
	refusedOn := func(err error, field string) {
		t.Helper()
		var refused *form.Refused
		if !errors.As(err, &refused) || refused.Errors.Get(field) == "" {
			t.Fatalf("want a refusal on %s, got %v", field, err)
		}
	}
	audited := func(action, objectID string) {
		t.Helper()
		var n int
		w.must(w.d.Super.QueryRow(w.ctx, `SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = $2 AND object_id = $3
			AND actor_id = $4 AND actor_email = $5`, w.tenantID, action, objectID, w.leadID, sc.Email).Scan(&n))
		if n != 1 {
			t.Fatalf("%s of %s: %d audit entries, want 1", action, objectID, n)
		}
	}

	// Lists.
	term, _, err := review.AddListValue(w.ctx, pool, sc, review.VocabSources, "Kinship carers", false)
	w.must(err)
	audited("vocabulary.added", term.ID)
	_, page, err := review.AddListValue(w.ctx, pool, sc, review.VocabSources, "kinship CARERS", false)
	refusedOn(err, "name")
	if page.ReviewTitle != "Commands review" || len(review.Names(page.Lists.Sources)) == 0 {
		t.Fatalf("refused add came back with %+v", page)
	}

	// Lines of enquiry.
	c, err := review.EnquiryAddGroup(w.ctx, pool, sc, "   ")
	refusedOn(err, "group-title")
	if c.Page.Review.ID != id {
		t.Fatalf("refused group came back with review %q", c.Page.Review.ID)
	}
	c, err = review.EnquiryAddGroup(w.ctx, pool, sc, "Early help")
	w.must(err)
	audited("enquiry.group_added", c.Group.ID)
	other, err := review.EnquiryAddGroup(w.ctx, pool, sc, "Other help")
	w.must(err)
	renamed, err := review.EnquiryRenameGroup(w.ctx, pool, sc, other.Group.ID, "Other help", "Early help")
	refusedOn(err, "title-"+other.Group.ID)
	if !renamed.Page.HasGroup(other.Group.ID) || !renamed.Page.HasGroup(c.Group.ID) {
		t.Fatalf("refused rename came back without the groups: %+v", renamed.Page.Enquiry.Groups)
	}

	// Framework.
	f, err := review.FrameworkAddGroup(w.ctx, pool, sc, "")
	refusedOn(err, "group-title")
	if f.Page.Review.Title != "Commands review" {
		t.Fatalf("refused framework group came back with %q", f.Page.Review.Title)
	}
	f, err = review.FrameworkAddGroup(w.ctx, pool, sc, "Leadership")
	w.must(err)
	audited("framework.group_added", f.Group.ID)
	dup, err := review.FrameworkAddGroup(w.ctx, pool, sc, "Leadership")
	refusedOn(err, "group-title")
	if len(dup.Page.Framework.Groups) != 1 {
		t.Fatalf("refused duplicate came back with %d groups, want 1", len(dup.Page.Framework.Groups))
	}
}
