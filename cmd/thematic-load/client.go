package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Manifest is what `thematic seed scale` writes (internal/scale.Manifest): the review to drive and
// the people to sign in as. Only the fields the harness uses are read.
type Manifest struct {
	TenantID      string      `json:"tenant_id"`
	ReviewID      string      `json:"review_id"`
	LeadEmail     string      `json:"lead_email"`
	Password      string      `json:"password"`
	Inspectors    []Inspector `json:"inspectors"`
	ActionAreaIDs []string    `json:"action_area_ids"`
	AreaIDs       []string    `json:"area_ids"`
	Notes         int         `json:"notes"`
	OtherNotes    int         `json:"other_notes"`
	Tenants       int         `json:"tenants"`
	Areas         int         `json:"areas"`
	Members       int         `json:"members"`
	Findings      int         `json:"findings"`
}

// Inspector is a member who records notes on one visit. UserID is optional: when the manifest
// lacks it, the harness looks it up by email (the baseline needs it).
type Inspector struct {
	Email        string `json:"email"`
	UserID       string `json:"user_id,omitempty"`
	VisitID      string `json:"visit_id"`
	AreaID       string `json:"area_id"`
	NoteDate     string `json:"note_date"`
	SourceID     string `json:"source_id"`
	ActionAreaID string `json:"action_area_id"`
}

func readManifest(path string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("manifest %s: %w", path, err)
	}
	switch {
	case m.TenantID == "" || m.ReviewID == "" || m.LeadEmail == "" || m.Password == "":
		return m, fmt.Errorf("manifest %s: tenant_id, review_id, lead_email and password are needed", path)
	case len(m.Inspectors) == 0:
		return m, fmt.Errorf("manifest %s: no inspectors", path)
	case len(m.ActionAreaIDs) == 0 || len(m.AreaIDs) == 0:
		return m, fmt.Errorf("manifest %s: no action areas or areas", path)
	}
	for i, in := range m.Inspectors {
		if _, err := time.Parse("2006-01-02", in.NoteDate); err != nil || in.VisitID == "" || in.SourceID == "" || in.ActionAreaID == "" {
			return m, fmt.Errorf("manifest %s: inspector %d (%s) lacks a visit, source, action area or note date", path, i, in.Email)
		}
	}
	return m, nil
}

// session is one signed-in user: a cookie jar of its own over the shared transport, and the
// CSRF token of its session.
type session struct {
	base   string
	client *http.Client
	csrf   string
	in     Inspector // for an inspector: the visit they record on
}

func newSession(base string, tr http.RoundTripper, timeout time.Duration) *session {
	jar, _ := cookiejar.New(nil)
	return &session{base: base, client: &http.Client{Transport: tr, Jar: jar, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// page GETs path and answers the status and body.
func (s *session) page(ctx context.Context, path string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return 0, "", err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// signIn goes through the sign-in form as a browser does: the form for its CSRF token, then
// the email and password; 303 is success.
func (s *session) signIn(ctx context.Context, email, password string) error {
	status, body, err := s.page(ctx, "/sign-in")
	if err != nil {
		return fmt.Errorf("sign-in form: %w", err)
	}
	m := csrfRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		return fmt.Errorf("sign-in form: status %d, CSRF token found: %v", status, m != nil)
	}
	status, err = s.post(ctx, "/sign-in", url.Values{"csrf_token": {m[1]}, "email": {email}, "password": {password}})
	if err != nil {
		return fmt.Errorf("sign in as %s: %w", email, err)
	}
	if status != http.StatusSeeOther {
		return fmt.Errorf("sign in as %s: status %d, want 303", email, status)
	}
	return nil
}

// formToken loads a page with a form (the note form) and keeps its CSRF token.
func (s *session) formToken(ctx context.Context, path string) error {
	status, body, err := s.page(ctx, path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	m := csrfRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		return fmt.Errorf("%s: status %d, CSRF token found: %v", path, status, m != nil)
	}
	s.csrf = m[1]
	return nil
}

// post sends a form and drains the answer (so the connection is reused).
func (s *session) post(ctx context.Context, path string, v url.Values) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+path, strings.NewReader(v.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// get fetches path and drains the answer.
func (s *session) get(ctx context.Context, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return 0, err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, err
}

// Note texts are put together from parts by the note's number, so that no two neighbours are
// the same and full-text search meets ordinary words. They hold no names, dates or numbers, which
// the personal data guard would stop.
var (
	noteSubjects = []string{"Parents at the drop-in", "The health visitor", "Practitioners at the hub",
		"The family hub manager", "Midwives", "Fathers at the evening group", "Volunteers", "The early help lead",
		"Young parents", "The infant feeding team", "Grandparents", "The speech and language therapist"}
	noteVerbs = []string{"described", "praised", "were unsure about", "explained", "raised concerns about",
		"gave examples of", "welcomed", "questioned", "compared"}
	noteObjects = []string{"the timetable of groups", "the breastfeeding peer support", "the single point of access",
		"the shared care record", "the outreach in rural villages", "the digital offer", "the interpreter service",
		"the parenting programme", "the handover from midwife to health visitor", "the perinatal mental health pathway",
		"the opening hours of the hub", "the home visits after birth", "the baby weighing clinic"}
	noteEndings = []string{"Families said this made a real difference.", "Staff could not say how this was measured.",
		"This was consistent across the sessions we observed.", "Leaders knew this needed to improve.",
		"The self-assessment did not mention this.", "Records we reviewed supported this.", ""}
	noteTags       = []string{"Access", "Outreach", "Fathers", "Infant feeding", "Data sharing", "Stigma"}
	noteJudgements = []string{"strength", "development", "neutral"}
)

func noteBody(n int) string {
	b := noteSubjects[n%len(noteSubjects)] + " " + noteVerbs[(n/3)%len(noteVerbs)] + " " +
		noteObjects[(n/7)%len(noteObjects)] + "."
	if e := noteEndings[(n/11)%len(noteEndings)]; e != "" {
		b += " " + e
	}
	return b
}

func noteTagsText(n int) string {
	t := noteTags[n%len(noteTags)]
	if n%3 == 0 {
		t += ", " + noteTags[(n+1)%len(noteTags)]
	}
	return t
}

// noteForm is the note form as a browser sends it, for an inspector's visit.
func noteForm(csrf, key string, in Inspector, n int) url.Values {
	d, _ := time.Parse("2006-01-02", in.NoteDate)
	return url.Values{"csrf_token": {csrf}, "idempotency_key": {key}, "source": {in.SourceID},
		"note-date-day": {strconv.Itoa(d.Day())}, "note-date-month": {strconv.Itoa(int(d.Month()))},
		"note-date-year": {strconv.Itoa(d.Year())}, "body": {noteBody(n)}, "action_areas": {in.ActionAreaID},
		"tags": {noteTagsText(n)}, "judgement": {noteJudgements[n%len(noteJudgements)]}, "action": {"save"}}
}

// The reference routes of a -tags loadbase build (internal/server.DomainBaselinePath and
// BareBaselinePath; the harness does not import the server).
const (
	domainSavePath = "/_baseline/domain-notes"
	bareSavePath   = "/_baseline/bare-notes"
)

// domainForm is the same note for the domain save without HTTP session, with the ids as fields.
func domainForm(m *Manifest, key string, in Inspector, n int) url.Values {
	return url.Values{"tenant_id": {m.TenantID}, "review_id": {m.ReviewID}, "visit_id": {in.VisitID},
		"author_id": {in.UserID}, "source_id": {in.SourceID}, "action_area_id": {in.ActionAreaID},
		"note_date": {in.NoteDate}, "body": {noteBody(n)}, "idempotency_key": {key},
		"tags": {noteTagsText(n)}, "judgement": {noteJudgements[n%len(noteJudgements)]}}
}

// bareForm is the same note for the bare insert, which also needs the visit's area (the domain
// save reads it from the visit).
func bareForm(m *Manifest, key string, in Inspector, n int) url.Values {
	v := domainForm(m, key, in, n)
	v.Del("tags")
	v.Set("area_id", in.AreaID)
	return v
}
