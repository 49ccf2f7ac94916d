package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/form"
	"thematic/internal/retention"
	"thematic/internal/user"
	"thematic/templates"
	"thematic/templates/adminview"
)

// Tenant administration: users and invitations, the audit log and the organisation's settings.
// Every route here needs auth.ManageTenant (see routes.go). Every change is made and audited in
// one transaction; queries name the tenant explicitly on top of row-level security.

const auditFilterMaxLen = 320

// staleForm is what a version mismatch says: someone changed the thing since the page was shown.
const staleForm = "Someone else changed this while you were looking at the page. Go back, reload the page to see the latest details, and try again."

var adminUUIDRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// adminParamID reads an id from the path; anything that is not a UUID cannot name a row.
func adminParamID(r *http.Request, name string) (string, error) {
	id := chi.URLParam(r, name)
	if !adminUUIDRE.MatchString(id) {
		return "", apperr.NotFound("")
	}
	return strings.ToLower(id), nil
}

// adminVersion reads the hidden version field a change form carries.
func adminVersion(r *http.Request) (int, error) {
	v, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || v < 0 {
		return 0, apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	return v, nil
}

func (s *Server) adminPage(r *http.Request, title, nav string) templates.Page {
	p := s.page(r, title)
	p.Nav = nav
	return p
}

// --- Users and invitations ---

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	d, err := user.UsersPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	v := adminview.UsersView{Me: a.UserID, Now: s.now(), Members: d.Members, Invitations: d.Invitations}
	return s.ok(w, r, adminview.Users(s.adminPage(r, "Users", "users"), v))
}

func (s *Server) inviteForm(w http.ResponseWriter, r *http.Request) error {
	f := adminview.InviteForm{Role: string(auth.RoleMember), Errors: &form.Errors{}}
	return s.ok(w, r, adminview.Invite(s.adminPage(r, "Invite a user", "users"), f))
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	f := adminview.InviteForm{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		Role: r.PostFormValue("role"), Errors: &form.Errors{}}
	email, err := user.InviteToTenant(r.Context(), s.pool, scopeOf(r), user.TenantInvite{Name: f.Name, Email: f.Email,
		Role: f.Role, InviterName: a.Name, TenantName: a.TenantName, BaseURL: s.cfg.BaseURL, Now: s.now()})
	var refused *form.Refused
	if errors.As(err, &refused) {
		f.Errors = refused.Errors
		p := s.adminPage(r, "Invite a user", "users")
		p.HasError = true
		return s.invalid(w, r, adminview.Invite(p, f))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/users", "Invitation sent to "+email)
}

func (s *Server) revokeInvitation(w http.ResponseWriter, r *http.Request) error {
	id, err := adminParamID(r, "invitationID")
	if err != nil {
		return err
	}
	inv, gone, err := user.WithdrawInvitation(r.Context(), s.pool, scopeOf(r), id)
	if err != nil {
		return err
	}
	if gone {
		return s.redirect(w, r, "/admin/users", "That invitation had already been accepted or withdrawn")
	}
	return s.redirect(w, r, "/admin/users", "Invitation to "+inv.Email+" withdrawn")
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := adminParamID(r, "userID")
	if err != nil {
		return err
	}
	m, err := user.MemberPage(r.Context(), s.pool, scopeOf(r), id)
	if err != nil {
		return err
	}
	v := adminview.UserView{Member: m, Self: m.UserID == a.UserID, Role: string(m.Role), Errors: &form.Errors{}}
	return s.ok(w, r, adminview.User(s.adminPage(r, m.Name, "users"), v))
}

// adminVersionOr reads the hidden version field a change form carries: -1 when it cannot be read
// (the command refuses it after finding the member).
func adminVersionOr(r *http.Request) int {
	v, err := adminVersion(r)
	if err != nil {
		return -1
	}
	return v
}

// memberChanged answers a membership change: back to the user's page, or the page again with the
// reason it was refused.
func (s *Server) memberChanged(w http.ResponseWriter, r *http.Request, c user.MemberChange, err error, role, flash string) error {
	var refused *form.Refused
	if errors.As(err, &refused) {
		if role == "" {
			role = string(c.Member.Role)
		}
		v := adminview.UserView{Member: c.Member, Self: c.Member.UserID == actorFrom(r.Context()).UserID, Role: role, Errors: refused.Errors}
		p := s.adminPage(r, c.Member.Name, "users")
		p.HasError = true
		return s.invalid(w, r, adminview.User(p, v))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/users/"+c.Member.UserID, flash)
}

func (s *Server) changeRole(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	id, err := adminParamID(r, "userID")
	if err != nil {
		return err
	}
	role := auth.Role(r.PostFormValue("role"))
	c, err := user.ChangeRole(r.Context(), s.pool, scopeOf(r), id, adminVersionOr(r), role)
	switch {
	case err != nil:
		return s.memberChanged(w, r, c, err, string(role), "")
	case c.Unchanged:
		return s.redirect(w, r, "/admin/users/"+id, c.Member.Name+" is already "+strings.ToLower(adminArticled(role.Label())))
	case id == a.UserID && role != auth.RoleAdmin:
		// The admin gave up their own admin role: the admin pages are no longer theirs.
		return s.redirect(w, r, "/", "You are now "+strings.ToLower(adminArticled(role.Label())))
	}
	return s.memberChanged(w, r, c, nil, string(role), c.Member.Name+" is now "+strings.ToLower(adminArticled(role.Label())))
}

var adminLondon = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

func adminArticled(label string) string {
	if label == "" {
		return label
	}
	switch strings.ToLower(label[:1]) {
	case "a", "e", "i", "o", "u":
		return "an " + label
	}
	return "a " + label
}

func (s *Server) deactivateUser(w http.ResponseWriter, r *http.Request) error {
	return s.setMemberActive(w, r, false)
}

func (s *Server) reactivateUser(w http.ResponseWriter, r *http.Request) error {
	return s.setMemberActive(w, r, true)
}

func (s *Server) setMemberActive(w http.ResponseWriter, r *http.Request, active bool) error {
	id, err := adminParamID(r, "userID")
	if err != nil {
		return err
	}
	status := map[bool]string{true: "active", false: "deactivated"}
	c, err := user.SetMemberActive(r.Context(), s.pool, scopeOf(r), id, adminVersionOr(r), active)
	if err == nil && c.Unchanged {
		return s.redirect(w, r, "/admin/users/"+id, c.Member.Name+" is already "+status[active])
	}
	flash := c.Member.Name + " has been deactivated and signed out"
	if active {
		flash = c.Member.Name + " has been reactivated"
	}
	return s.memberChanged(w, r, c, err, "", flash)
}

// --- Audit log ---

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	v := adminview.AuditView{Action: strings.TrimSpace(q.Get("action")), Actor: strings.TrimSpace(q.Get("actor")),
		Object: strings.TrimSpace(q.Get("object")), From: strings.TrimSpace(q.Get("from")),
		To: strings.TrimSpace(q.Get("to")), Errors: &form.Errors{}}
	v.Filtered = v.Action != "" || v.Actor != "" || v.Object != "" || v.From != "" || v.To != ""
	v.Actions = slices.Clone(audit.KnownActions)
	if v.Action != "" && !slices.Contains(v.Actions, v.Action) {
		v.Actions = append(v.Actions, v.Action)
	}
	f := audit.Filter{Action: v.Action, ActorEmail: v.Actor, ObjectID: v.Object, Limit: audit.DefaultPageSize + 1}
	for _, fld := range []struct{ id, value, label string }{{"action", v.Action, "Action"}, {"actor", v.Actor, "Who"}, {"object", v.Object, "Object id"}} {
		if len(fld.value) > auditFilterMaxLen {
			v.Errors.Add(fld.id, fmt.Sprintf("%s must be %d characters or fewer", fld.label, auditFilterMaxLen))
		}
	}
	var fromOK, toOK bool
	if v.From != "" {
		if f.From, fromOK = adminParseDate(v.From); !fromOK {
			v.Errors.Add("from", "From date must be a real date, like 27/3/2026")
		}
	}
	if v.To != "" {
		var to time.Time
		if to, toOK = adminParseDate(v.To); !toOK {
			v.Errors.Add("to", "To date must be a real date, like 28/3/2026")
		} else {
			f.To = to.AddDate(0, 0, 1) // the whole of the last day
		}
	}
	if fromOK && toOK && !f.To.After(f.From) {
		v.Errors.Add("to", "To date must be the same as or after the from date")
	}
	if v.Errors.Any() {
		p := s.adminPage(r, "Audit log", "audit")
		p.HasError = true
		return s.invalid(w, r, adminview.AuditLog(p, v))
	}
	if b := q.Get("before"); b != "" {
		c, err := audit.ParseCursor(b)
		if err != nil {
			return apperr.Invalid("The link to older entries is not valid. Go back to the newest entries and try again.")
		}
		f.Before = &c
		v.Newest = auditLogURL(v, "")
	}
	var err error
	v.Entries, err = audit.Page(ctx, s.pool, scopeOf(r), f)
	if err != nil {
		return err
	}
	if len(v.Entries) > audit.DefaultPageSize {
		v.Entries = v.Entries[:audit.DefaultPageSize]
		last := v.Entries[len(v.Entries)-1]
		v.Older = auditLogURL(v, audit.Cursor{At: last.At, ID: last.ID}.String())
	}
	return s.ok(w, r, adminview.AuditLog(s.adminPage(r, "Audit log", "audit"), v))
}

// auditLogURL links to the audit log with the view's filters and, when before is set, from a place.
func auditLogURL(v adminview.AuditView, before string) string {
	q := url.Values{}
	for k, val := range map[string]string{"action": v.Action, "actor": v.Actor, "object": v.Object,
		"from": v.From, "to": v.To, "before": before} {
		if val != "" {
			q.Set(k, val)
		}
	}
	if len(q) == 0 {
		return "/admin/audit"
	}
	return "/admin/audit?" + q.Encode()
}

// adminParseDate reads a day as people type it (27/3/2026, 27-3-2026 or 2026-03-27) and returns
// its start in UK time.
func adminParseDate(s string) (time.Time, bool) {
	for _, layout := range []string{"2/1/2006", "2-1-2006", "2.1.2006", "2006-01-02", "2006-1-2"} {
		if t, err := time.ParseInLocation(layout, s, adminLondon); err == nil {
			if t.Year() < 2000 || t.Year() > 9999 {
				return time.Time{}, false
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// --- Settings ---

func (s *Server) settingsForm(w http.ResponseWriter, r *http.Request) error {
	return s.settingsPage(w, r, nil, nil)
}

// settingsPage shows the settings: the two-factor form and the retention form, each as given
// (typed in a refused form) or as the tenant has it.
func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, twoFA *adminview.SettingsForm, keep *adminview.RetentionForm) error {
	st, err := retention.SettingsPage(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	t, months := st.Tenant, st.Months
	p := s.adminPage(r, "Settings", "settings")
	if twoFA == nil {
		twoFA = &adminview.SettingsForm{Require2FA: adminYesNo(t.Require2FA), Version: t.Version, Errors: &form.Errors{}}
	}
	twoFA.WithoutTOTP = st.WithoutTOTP
	if keep == nil {
		keep = &adminview.RetentionForm{Keep: "forever", Version: t.Version, Errors: &form.Errors{}}
		if months != nil {
			keep.Keep, keep.Months = "months", strconv.Itoa(*months)
		}
	}
	if twoFA.Errors.Any() || keep.Errors.Any() {
		p.HasError = true
		return s.invalid(w, r, adminview.Settings(p, *twoFA, *keep))
	}
	return s.ok(w, r, adminview.Settings(p, *twoFA, *keep))
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	version, err := adminVersion(r)
	if err != nil {
		return err
	}
	choice := r.PostFormValue("require_2fa")
	f := adminview.SettingsForm{Require2FA: choice, Version: version, Errors: &form.Errors{}}
	if choice != "yes" && choice != "no" {
		f.Errors.Add("require_2fa", "Select yes if everyone must use two-factor sign-in")
		return s.settingsPage(w, r, &f, nil)
	}
	require := choice == "yes"
	unchanged, err := retention.SaveTwoFactor(r.Context(), s.pool, scopeOf(r), require, version)
	if err != nil {
		return err
	}
	switch {
	case unchanged:
		return s.redirect(w, r, "/admin/settings", "Nothing changed")
	case require:
		return s.redirect(w, r, "/admin/settings", "Everyone in "+a.TenantName+" must now use two-factor sign-in")
	}
	return s.redirect(w, r, "/admin/settings", "Two-factor sign-in is now optional in "+a.TenantName)
}

func adminYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
