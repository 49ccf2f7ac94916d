package review_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/db/dbtest"
	"thematic/internal/review"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// people is a tenant with users, a review led by lead@, and two areas.
type people struct {
	d                  *dbtest.DB
	tenantID, reviewID string
	users              map[string]string // email → id
	area1, area2       string
}

func newPeople(t *testing.T, d *dbtest.DB, slug string) people {
	t.Helper()
	ctx := context.Background()
	p := people{d: d, users: map[string]string{}}
	if err := d.Super.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&p.tenantID); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, d.Owner, db.Scope{TenantID: p.tenantID}, func(tx pgx.Tx) error {
		if err := tenant.Create(ctx, tx, p.tenantID, slug, "Tenant "+slug); err != nil {
			return err
		}
		for _, who := range []string{"lead", "second", "inspector", "observer", "contact", "gone"} {
			email := who + "@" + slug + ".test"
			id, err := user.Create(ctx, tx, email, strings.ToUpper(who[:1])+who[1:]+" Person", "x")
			if err != nil {
				return err
			}
			if err := user.AddMember(ctx, tx, p.tenantID, id, auth.RoleStaff); err != nil {
				return err
			}
			p.users[email] = id
		}
		if err := user.SetActive(ctx, tx, p.tenantID, p.users["gone@"+slug+".test"], false); err != nil {
			return err
		}
		var err error
		if p.reviewID, err = review.Create(ctx, tx, p.tenantID, p.users["lead@"+slug+".test"], review.Review{Title: "People review"}); err != nil {
			return err
		}
		if err := review.SeedVocabulary(ctx, tx, p.tenantID, p.reviewID, review.Vocabulary{Inspectorates: []string{"Ofsted", "CQC"},
			TeamRoles: []string{"Early Years Inspector", "Head of Early Help", "Director", "Family hub manager"}}); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000057') RETURNING id`,
			p.tenantID, p.reviewID).Scan(&p.area1); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO review_areas (tenant_id, review_id, ons_code) VALUES ($1, $2, 'E06000010') RETURNING id`,
			p.tenantID, p.reviewID).Scan(&p.area2)
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// app runs fn as the application role in the tenant.
func (p people) app(fn func(tx pgx.Tx) error) error {
	return db.InTx(context.Background(), p.d.App, db.Scope{TenantID: p.tenantID}, fn)
}

func (p people) mustApp(t *testing.T, fn func(tx pgx.Tx) error) {
	t.Helper()
	if err := p.app(fn); err != nil {
		t.Fatal(err)
	}
}

func (p people) add(t *testing.T, email string, d review.MemberDetails) review.Member {
	t.Helper()
	var m review.Member
	p.mustApp(t, func(tx pgx.Tx) error {
		var err error
		m, err = review.AddMember(context.Background(), tx, p.tenantID, p.reviewID, email, d)
		return err
	})
	return m
}

func TestMembersAddListUpdateRemove(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	p := newPeople(t, d, "people")
	ctx := context.Background()

	insp := p.add(t, "Inspector@People.test ", review.MemberDetails{Role: auth.ReviewInspector, Inspectorate: "Ofsted", JobTitle: "Early Years Inspector"})
	contact := p.add(t, "contact@people.test", review.MemberDetails{Role: auth.ReviewContact, AreaID: p.area2, JobTitle: "Head of Early Help"})
	if insp.Name != "Inspector Person" || insp.Email != "inspector@people.test" || insp.Role != auth.ReviewInspector || insp.Version != 1 {
		t.Errorf("inspector = %+v", insp)
	}
	if contact.AreaID != p.area2 || contact.AreaName != "Kingston upon Hull" {
		t.Errorf("contact = %+v", contact)
	}
	// An area given with another role is not kept.
	obs := p.add(t, "observer@people.test", review.MemberDetails{Role: auth.ReviewObserver, AreaID: p.area1})
	if obs.AreaID != "" {
		t.Errorf("observer has area %q", obs.AreaID)
	}

	for name, c := range map[string]struct {
		email string
		want  func(error) bool
	}{
		"twice":         {"inspector@people.test", func(err error) bool { return errors.Is(err, review.ErrAlreadyMember) }},
		"not in tenant": {"stranger@people.test", func(err error) bool { return apperr.Is(err, apperr.CodeNotFound) }},
		"deactivated":   {"gone@people.test", func(err error) bool { return apperr.Is(err, apperr.CodeNotFound) }},
	} {
		err := p.app(func(tx pgx.Tx) error {
			_, err := review.AddMember(ctx, tx, p.tenantID, p.reviewID, c.email, review.MemberDetails{Role: auth.ReviewInspector})
			return err
		})
		if !c.want(err) {
			t.Errorf("add %s: %v", name, err)
		}
	}

	var list []review.Member
	p.mustApp(t, func(tx pgx.Tx) error {
		var err error
		list, err = review.ListMembers(ctx, tx, p.tenantID, p.reviewID)
		return err
	})
	var roles []string
	for _, m := range list {
		roles = append(roles, string(m.Role))
	}
	if strings.Join(roles, ",") != "lead,inspector,observer,la_contact" {
		t.Errorf("roles in order = %v", roles)
	}
	lead := list[0]

	// Update with the version seen; a stale version is a conflict.
	var before, after review.Member
	p.mustApp(t, func(tx pgx.Tx) error {
		var err error
		before, after, err = review.UpdateMember(ctx, tx, p.tenantID, p.reviewID, contact.ID, 1,
			review.MemberDetails{Role: auth.ReviewContact, AreaID: p.area1, JobTitle: "Director"})
		return err
	})
	if before.AreaID != p.area2 || after.AreaID != p.area1 || after.AreaName != "Northumberland" || after.Version != 2 || after.JobTitle != "Director" {
		t.Errorf("update: before %+v after %+v", before, after)
	}
	err := p.app(func(tx pgx.Tx) error {
		_, _, err := review.UpdateMember(ctx, tx, p.tenantID, p.reviewID, contact.ID, 1, review.MemberDetails{Role: auth.ReviewObserver})
		return err
	})
	if !apperr.Is(err, apperr.CodeConflict) {
		t.Errorf("stale update: %v", err)
	}

	// The only lead cannot stop being lead, nor be removed; with a second lead they can.
	err = p.app(func(tx pgx.Tx) error {
		_, _, err := review.UpdateMember(ctx, tx, p.tenantID, p.reviewID, lead.ID, lead.Version, review.MemberDetails{Role: auth.ReviewInspector})
		return err
	})
	if !errors.Is(err, review.ErrLastLead) {
		t.Errorf("demote last lead: %v", err)
	}
	err = p.app(func(tx pgx.Tx) error {
		_, err := review.RemoveMember(ctx, tx, p.tenantID, p.reviewID, lead.ID)
		return err
	})
	if !errors.Is(err, review.ErrLastLead) {
		t.Errorf("remove last lead: %v", err)
	}
	second := p.add(t, "second@people.test", review.MemberDetails{Role: auth.ReviewLead})
	p.mustApp(t, func(tx pgx.Tx) error {
		_, _, err := review.UpdateMember(ctx, tx, p.tenantID, p.reviewID, lead.ID, lead.Version, review.MemberDetails{Role: auth.ReviewInspector})
		return err
	})
	err = p.app(func(tx pgx.Tx) error {
		_, err := review.RemoveMember(ctx, tx, p.tenantID, p.reviewID, second.ID)
		return err
	})
	if !errors.Is(err, review.ErrLastLead) {
		t.Errorf("remove the lead that is left: %v", err)
	}

	// Someone on a visit team cannot be removed, nor made an observer or contact: the visit is named.
	err = db.InTx(ctx, d.Owner, db.Scope{TenantID: p.tenantID}, func(tx pgx.Tx) error {
		var visitID string
		if err := tx.QueryRow(ctx, `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days) VALUES ($1, $2, $3, '2023-08-08', 2) RETURNING id`,
			p.tenantID, p.reviewID, p.area2).Scan(&visitID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO visit_days (tenant_id, visit_id, member_id, user_id, day) VALUES ($1, $2, $3, $4, '2023-08-08')`,
			p.tenantID, visitID, insp.ID, insp.UserID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = p.app(func(tx pgx.Tx) error {
		_, err := review.RemoveMember(ctx, tx, p.tenantID, p.reviewID, insp.ID)
		return err
	})
	var onVisit *review.OnVisitError
	if !errors.As(err, &onVisit) || onVisit.Error() != "Inspector Person is on the team for the visit to Kingston upon Hull starting on 8 August 2023. Take them off the visit team first." {
		t.Errorf("remove someone on a visit: %v", err)
	}
	err = p.app(func(tx pgx.Tx) error {
		_, _, err := review.UpdateMember(ctx, tx, p.tenantID, p.reviewID, insp.ID, insp.Version, review.MemberDetails{Role: auth.ReviewObserver})
		return err
	})
	if !errors.As(err, &onVisit) {
		t.Errorf("make someone on a visit an observer: %v", err)
	}

	// Others go; an id of another review or none is not found.
	var removed review.Member
	p.mustApp(t, func(tx pgx.Tx) error {
		var err error
		removed, err = review.RemoveMember(ctx, tx, p.tenantID, p.reviewID, obs.ID)
		return err
	})
	if removed.Email != "observer@people.test" {
		t.Errorf("removed %+v", removed)
	}
	other := newPeople(t, d, "other")
	var otherLead string
	if err := d.Super.QueryRow(ctx, `SELECT id FROM review_members WHERE review_id = $1`, other.reviewID).Scan(&otherLead); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{obs.ID, otherLead, "nope"} {
		err := p.app(func(tx pgx.Tx) error {
			_, err := review.GetMember(ctx, tx, p.tenantID, p.reviewID, id)
			return err
		})
		if !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("get %s: %v", id, err)
		}
		err = p.app(func(tx pgx.Tx) error {
			_, err := review.RemoveMember(ctx, tx, p.tenantID, p.reviewID, id)
			return err
		})
		if !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("remove %s: %v", id, err)
		}
	}
}

func TestInvitesAndClaim(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	p := newPeople(t, d, "invites")
	ctx := context.Background()

	var id string
	p.mustApp(t, func(tx pgx.Tx) error {
		var err error
		id, err = review.AddMemberInvite(ctx, tx, p.tenantID, p.reviewID, "New.Person@Example.org", " Nia New ",
			review.MemberDetails{Role: auth.ReviewContact, AreaID: p.area1, Inspectorate: "", JobTitle: "Family hub manager"})
		return err
	})
	err := p.app(func(tx pgx.Tx) error {
		_, err := review.AddMemberInvite(ctx, tx, p.tenantID, p.reviewID, "new.person@example.org", "Again", review.MemberDetails{Role: auth.ReviewObserver})
		return err
	})
	if !errors.Is(err, review.ErrAlreadyInvited) {
		t.Errorf("second invite: %v", err)
	}
	var invites []review.MemberInvite
	var exists bool
	p.mustApp(t, func(tx pgx.Tx) error {
		var err error
		if invites, err = review.ListMemberInvites(ctx, tx, p.tenantID, p.reviewID); err != nil {
			return err
		}
		exists, err = review.MemberInviteExists(ctx, tx, p.tenantID, p.reviewID, "NEW.person@example.org")
		return err
	})
	if !exists || len(invites) != 1 || invites[0].ID != id || invites[0].Email != "new.person@example.org" || invites[0].Name != "Nia New" ||
		invites[0].AreaName != "Northumberland" || invites[0].Role != auth.ReviewContact {
		t.Fatalf("invites = %+v", invites)
	}

	// Accepting: the new user joins the tenant, then claims the review place.
	var userID string
	var claimed int
	err = db.InTx(ctx, d.App, db.Scope{TenantID: p.tenantID}, func(tx pgx.Tx) error {
		var err error
		if userID, err = user.Create(ctx, tx, "new.person@example.org", "Nia New", "x"); err != nil {
			return err
		}
		if err := user.AddMember(ctx, tx, p.tenantID, userID, auth.RoleMember); err != nil {
			return err
		}
		claimed, err = review.ClaimInvites(ctx, tx, p.tenantID, "new.person@example.org", userID)
		return err
	})
	if err != nil || claimed != 1 {
		t.Fatalf("claim: %d, %v", claimed, err)
	}
	var role, area string
	if err := d.Super.QueryRow(ctx, `SELECT role, area_id::text FROM review_members WHERE review_id = $1 AND user_id = $2`,
		p.reviewID, userID).Scan(&role, &area); err != nil || role != "la_contact" || area != p.area1 {
		t.Errorf("member after claim: %s %s %v", role, area, err)
	}
	var left, audited int
	_ = d.Super.QueryRow(ctx, `SELECT count(*) FROM review_member_invites WHERE tenant_id = $1`, p.tenantID).Scan(&left)
	_ = d.Super.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'review_member.added' AND actor_id = $2`,
		p.tenantID, userID).Scan(&audited)
	if left != 0 || audited != 1 {
		t.Errorf("after claim: %d invites left, %d audit entries", left, audited)
	}
	// Nothing left to claim.
	p.mustApp(t, func(tx pgx.Tx) error {
		n, err := review.ClaimInvites(ctx, tx, p.tenantID, "new.person@example.org", userID)
		if err == nil && n != 0 {
			t.Errorf("claimed %d again", n)
		}
		return err
	})

	// Withdrawing: gone once; another review's id is not found.
	var inv2 string
	p.mustApp(t, func(tx pgx.Tx) error {
		var err error
		inv2, err = review.AddMemberInvite(ctx, tx, p.tenantID, p.reviewID, "someone@example.org", "Some One", review.MemberDetails{Role: auth.ReviewObserver})
		return err
	})
	other := newPeople(t, d, "other-invites")
	var otherInv string
	err = db.InTx(ctx, d.App, db.Scope{TenantID: other.tenantID}, func(tx pgx.Tx) error {
		var err error
		otherInv, err = review.AddMemberInvite(ctx, tx, other.tenantID, other.reviewID, "someone@example.org", "Some One", review.MemberDetails{Role: auth.ReviewObserver})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{otherInv, "bad"} {
		err := p.app(func(tx pgx.Tx) error {
			_, err := review.DeleteMemberInvite(ctx, tx, p.tenantID, p.reviewID, id)
			return err
		})
		if !apperr.Is(err, apperr.CodeNotFound) {
			t.Errorf("delete %s: %v", id, err)
		}
	}
	var deleted review.MemberInvite
	p.mustApp(t, func(tx pgx.Tx) error {
		var err error
		deleted, err = review.DeleteMemberInvite(ctx, tx, p.tenantID, p.reviewID, inv2)
		return err
	})
	if deleted.Email != "someone@example.org" {
		t.Errorf("deleted %+v", deleted)
	}
	err = p.app(func(tx pgx.Tx) error {
		_, err := review.DeleteMemberInvite(ctx, tx, p.tenantID, p.reviewID, inv2)
		return err
	})
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

func TestMemberInputValidate(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 201)
	area := "0b7c3f0e-8a52-4f5c-9a43-2d3f6b1e7a10"
	for _, c := range []struct {
		name  string
		in    review.MemberInput
		field string // "" when valid
		msg   string
	}{
		{"valid inspector", review.MemberInput{Adding: true, Email: "a@b.test", Role: "inspector", Inspectorate: "Ofsted"}, "", ""},
		{"valid contact", review.MemberInput{Adding: true, Email: "a@b.test", Role: "la_contact", AreaID: area, Inspectorate: "none"}, "", ""},
		{"no email", review.MemberInput{Adding: true, Role: "inspector"}, "email", "Enter their email address"},
		{"bad email", review.MemberInput{Adding: true, Email: "not an email", Role: "inspector"}, "email", "Enter an email address in the correct format, like name@example.com"},
		{"long name", review.MemberInput{Adding: true, Email: "a@b.test", Name: long, Role: "inspector"}, "name", "Full name must be 200 characters or fewer"},
		{"no role", review.MemberInput{Adding: true, Email: "a@b.test"}, "role", "Select their role in this review"},
		{"unknown role", review.MemberInput{Email: "a@b.test", Role: "admin"}, "role", "Select their role in this review"},
		{"contact without area", review.MemberInput{Role: "la_contact"}, "area", "Select the area they are the local authority contact for"},
		{"contact with a bad area", review.MemberInput{Role: "la_contact", AreaID: "x"}, "area", "Select an area from the list"},
		{"observer with area", review.MemberInput{Role: "observer", AreaID: area}, "area", "Only a local authority contact has an area: leave the area blank for other roles"},
	} {
		_, errs := c.in.Validate()
		if c.field == "" {
			if errs.Any() {
				t.Errorf("%s: %v", c.name, errs.List())
			}
			continue
		}
		if got := errs.Get(c.field); got != c.msg {
			t.Errorf("%s: %s error = %q, want %q (all: %v)", c.name, c.field, got, c.msg, errs.List())
		}
	}
	// The lists: only the review's own values pass.
	d, errs := review.MemberInput{Role: "inspector", Inspectorate: "HMI Probation", JobTitle: "Inspector"}.Validate()
	lists := []string{"Ofsted", "HMI Probation"}
	d.CheckLists(lists, []string{"Inspector"}, errs)
	if errs.Any() || d.Inspectorate != "HMI Probation" || d.JobTitle != "Inspector" {
		t.Errorf("values of the lists = %+v %v", d, errs.List())
	}
	d, errs = review.MemberInput{Role: "inspector", Inspectorate: "MI6", JobTitle: "Spy"}.Validate()
	d.CheckLists(lists, []string{"Inspector"}, errs)
	if errs.Get("inspectorate") != "Select their inspectorate from the list" || errs.Get("job-title") != "Select their team role from the list" ||
		d.Inspectorate != "" || d.JobTitle != "" {
		t.Errorf("values not in the lists = %+v %v", d, errs.List())
	}
	d, errs = review.MemberInput{Role: "observer", Inspectorate: "none"}.Validate()
	d.CheckLists(lists, nil, errs)
	if errs.Any() || d.Inspectorate != "" {
		t.Errorf("none = %+v %v", d, errs.List())
	}
	in := review.MemberInputOf(review.Member{Role: auth.ReviewInspector, Inspectorate: "HMI Probation", JobTitle: "Inspector"})
	if in.Inspectorate != "HMI Probation" || in.JobTitle != "Inspector" {
		t.Errorf("input of member = %+v", in)
	}
	if in := review.MemberInputOf(review.Member{Role: auth.ReviewObserver}); in.Inspectorate != "none" {
		t.Errorf("input of a member of no inspectorate = %+v", in)
	}
}
