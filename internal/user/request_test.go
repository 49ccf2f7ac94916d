package user_test

import (
	"context"
	"testing"

	"thematic/internal/auth"
	"thematic/internal/testenv"
	"thematic/internal/user"
)

// LoadRequest reads the actor, their place in a review and a lead's open concerns in one
// statement that scopes itself: the scope must not outlive that statement on the pooled
// connection, and row-level security must still keep other tenants' rows out.
func TestLoadRequestScopesOnlyItsOwnStatement(t *testing.T) {
	t.Parallel()
	d := testenv.DemoDB(t)
	ctx := context.Background()
	var lead, tenant, review, otherTenant string
	if err := d.Super.QueryRow(ctx, `SELECT u.id, rm.tenant_id, rm.review_id FROM users u
		JOIN review_members rm ON rm.user_id = u.id AND rm.role = 'lead' WHERE u.email = 'lead@demo.test' LIMIT 1`).
		Scan(&lead, &tenant, &review); err != nil {
		t.Fatal(err)
	}
	if err := d.Super.QueryRow(ctx, `INSERT INTO tenants (slug, name) VALUES ('other-request', 'Another inspectorate')
		RETURNING id`).Scan(&otherTenant); err != nil {
		t.Fatal(err)
	}
	conn, err := d.App.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()

	rq, err := user.LoadRequest(ctx, conn, lead, tenant, review)
	if err != nil {
		t.Fatal(err)
	}
	if rq.Actor.Email != "lead@demo.test" || rq.Actor.TenantID != tenant || rq.Review == nil ||
		rq.Review.Role != auth.ReviewLead || rq.OpenConcerns < 0 {
		t.Errorf("request = %+v, review %+v", rq, rq.Review)
	}
	var scope string
	if err := conn.QueryRow(ctx, `SELECT coalesce(current_setting('app.tenant_id', true), '') ||
		coalesce(current_setting('app.user_id', true), '')`).Scan(&scope); err != nil {
		t.Fatal(err)
	}
	if scope != "" {
		t.Errorf("the connection kept the scope %q after the statement", scope)
	}
	var visible int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM review_members`).Scan(&visible); err != nil {
		t.Fatal(err)
	}
	if visible != 0 {
		t.Errorf("with no scope the application role sees %d review members", visible)
	}

	// Outside the review: no place, no count. Another tenant: no membership at all.
	rq, err = user.LoadRequest(ctx, conn, lead, tenant, "")
	if err != nil || rq.Review != nil || rq.OpenConcerns != -1 {
		t.Errorf("outside a review: %+v %v", rq, err)
	}
	if _, err := user.LoadRequest(ctx, conn, lead, otherTenant, review); err == nil {
		t.Error("a membership of another tenant was found")
	}
}
