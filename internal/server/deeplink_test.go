package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/demo"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// TestReviewLinkFromAnotherTenantSwitchesTheSession opens a link into a review (as mail sends
// them) while the session works in another of the user's organisations: the session moves to
// the review's organisation, with a new token, and the page opens. Someone outside that
// organisation still gets 404.
func TestReviewLinkFromAnotherTenantSwitchesTheSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	ctx := context.Background()
	var leadID string
	if err := e.db.Super.QueryRow(ctx, `SELECT id FROM users WHERE email = 'lead@demo.test'`).Scan(&leadID); err != nil {
		t.Fatal(err)
	}
	var second string
	if err := e.db.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&second); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, e.db.Owner, db.Scope{TenantID: second}, func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, second, "second-inspectorate", "Second Inspectorate"); err != nil {
			return err
		}
		if err := user.AddMember(ctx, tx, second, leadID, auth.RoleAdmin); err != nil {
			return err
		}
		outsider, err := user.Create(ctx, tx, "outsider@second.test", "Olu Outsider", hash)
		if err != nil {
			return err
		}
		return user.AddMember(ctx, tx, second, outsider, auth.RoleAdmin)
	})
	if err != nil {
		t.Fatal(err)
	}

	c := e.signedIn("lead@demo.test")
	if r := c.post("/account/organisation", url.Values{"tenant_id": {second}}); r.Status != http.StatusSeeOther {
		t.Fatalf("switch to the second organisation: %d", r.Status)
	}
	link := "/reviews/" + f.reviewID + "/"
	old := cookieValue(c.get("/account").Header)
	r := c.get(link)
	if r.Status != http.StatusSeeOther || r.Location != link {
		t.Fatalf("link into the other organisation's review: %d %q, want 303 to the same page", r.Status, r.Location)
	}
	if nc := cookieValue(r.Header); nc == "" || nc == old {
		t.Error("session token not renewed when the link switched organisation")
	}
	page := c.get(link)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "You are now working in "+demo.TenantName) {
		t.Fatalf("review page after the switch: %d", page.Status)
	}
	if n := e.auditCount("auth.tenant_switched"); n != 2 {
		t.Errorf("%d switches audited, want 2", n)
	}

	outsider := e.signedIn("outsider@second.test")
	if r := outsider.get(link); r.Status != http.StatusNotFound {
		t.Fatalf("link into a review of an organisation the user is not in: %d, want 404", r.Status)
	}
}
