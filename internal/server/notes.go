package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/db"
	"thematic/internal/evidence"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/internal/visit"
	"thematic/templates/evidenceview"
)

// Evidence notes: recording a note from a visit, reading it with its history, changing it (a stale
// edit shows both versions for merging), and a soft delete with undo. Leads and inspectors write;
// observers read; local authority contacts never see evidence (the permissions refuse them).
//

const noteDateLayout = "2006-01-02"

func noteKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func noteDateInput(d time.Time) review.DateInput {
	return review.DateInput{Day: strconv.Itoa(d.Day()), Month: strconv.Itoa(int(d.Month())), Year: strconv.Itoa(d.Year())}
}

// noteReadForm reads the note form as typed.
func noteReadForm(r *http.Request) (evidence.NoteInput, review.DateInput, string) {
	d := review.DateInput{Day: r.PostFormValue("note-date-day"), Month: r.PostFormValue("note-date-month"),
		Year: r.PostFormValue("note-date-year")}
	in := evidence.NoteInput{SourceID: r.PostFormValue("source"), RoleID: r.PostFormValue("role"),
		Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"), ActionAreas: r.PostForm["action_areas"],
		Lines: r.PostForm["lines"], Documents: r.PostForm["document"], Judgement: r.PostFormValue("judgement"),
		GoodPractice: r.PostFormValue("good_practice") == "yes", FamilyWords: r.PostFormValue("family_words") == "yes",
		Safeguarding: r.PostFormValue("safeguarding") == "yes", Key: r.PostFormValue("idempotency_key")}
	if t, ok := d.Parse(); ok {
		in.NoteDate = t.Format(noteDateLayout)
	} else if !d.Empty() {
		in.NoteDate = "not a date"
	}
	tagsText := r.PostFormValue("tags")
	in.Tags = strings.Split(tagsText, ",")
	return in, d, tagsText
}

// noteFormView loads what the form shows besides what was typed, seeding the review's sources
// and roles when it has none.
func (s *Server) noteFormView(r *http.Request, tx pgx.Tx, visitID string) (evidenceview.FormView, error) {
	v, _, err := s.noteFormData(r, tx, visitID, false)
	return v, err
}

// noteFormData is noteFormView in two statements (the visit with its review; every list of the
// form with the evidence lock), with suggest the tags most used first (noteSuggestTags' list).
func (s *Server) noteFormData(r *http.Request, tx pgx.Tx, visitID string, suggest bool) (evidenceview.FormView, evidence.Lock, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := evidenceview.FormView{Errors: &form.Errors{}}
	if !db.ValidUUID(visitID) {
		return v, evidence.Lock{}, apperr.NotFound("Visit not found")
	}
	var err error
	if v.Review, v.Visit, err = visit.GetWithReview(ctx, tx, a.TenantID, a.Review.ReviewID, visitID); err != nil {
		return v, evidence.Lock{}, err
	}
	if !a.Review.SeesArea(v.Visit.AreaID) {
		return v, evidence.Lock{}, apperr.NotFound("Visit not found")
	}
	l, err := evidence.LoadFormLists(ctx, tx, a.TenantID, a.Review.ReviewID, visitID, suggest)
	if err != nil {
		return v, l.Lock, err
	}
	v.Opts, v.Framework, v.Enquiry = l.Options, l.Framework, l.Enquiry
	return v, l.Lock, nil
}

// noteSuggestTags puts the review's tags, most used first, in the form's suggestions (in place of
// the options' alphabetical list), for a form about to be shown; a save does not pay for it.
func noteSuggestTags(r *http.Request, tx pgx.Tx, v *evidenceview.FormView) error {
	a := actorFrom(r.Context())
	tags, err := evidence.TagSuggestions(r.Context(), tx, a.TenantID, a.Review.ReviewID, evidence.MaxSuggestions)
	if err == nil {
		v.Opts.Tags = tags
	}
	return err
}

func (s *Server) noteFormPage(w http.ResponseWriter, r *http.Request, v evidenceview.FormView) error {
	p := s.page(r, v.Heading()+" – "+v.Review.Title)
	if v.Conflict != nil {
		p.HasError = true
		s.render(w, r, http.StatusConflict, evidenceview.Form(p, v))
		return nil
	}
	if v.Errors.Any() || len(v.Findings) > 0 {
		p.HasError = true
		return s.invalid(w, r, evidenceview.Form(p, v))
	}
	return s.ok(w, r, evidenceview.Form(p, v))
}

func (s *Server) noteNew(w http.ResponseWriter, r *http.Request) error {
	var v evidenceview.FormView
	err := s.tx(r, func(tx pgx.Tx) error {
		var l evidence.Lock
		var err error
		if v, l, err = s.noteFormData(r, tx, chi.URLParam(r, "visitID"), true); err != nil {
			return err
		}
		// A review whose stage or lock refuses new notes says so before anything is typed.
		return l.Status.Verdict(review.ChangeEvidence, l.Locked())
	})
	if err != nil {
		return err
	}
	v.Key = noteKey()
	v.In.Judgement = evidence.Neutral
	// Today when it falls within the visit, else the visit's first day; "save and add another"
	// passes the date and source on. While the visit's start is not known any day will do, and
	// today is offered.
	day := time.Now().UTC().Truncate(24 * time.Hour)
	known := v.Visit.HasStart()
	if known && (day.Before(v.Visit.Start) || day.After(v.Visit.End())) {
		day = v.Visit.Start
	}
	if d, err := time.Parse(noteDateLayout, r.URL.Query().Get("date")); err == nil &&
		(!known || !d.Before(v.Visit.Start) && !d.After(v.Visit.End())) {
		day = d
	}
	v.Date = noteDateInput(day)
	if src := r.URL.Query().Get("source"); src != "" {
		for _, o := range v.Opts.Sources {
			if o.ID == src {
				v.In.SourceID = src
			}
		}
	}
	return s.noteFormPage(w, r, v)
}

// noteFindings is what the personal data guard flags, unless the user confirmed it.
func noteFindings(r *http.Request, in evidence.NoteInput, names []string) (found []evidence.Finding, confirmed bool) {
	found = evidence.Scan(in.Body, names)
	return found, r.PostFormValue("confirm_personal_data") == "yes"
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) noteCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	in, d, tagsText := noteReadForm(r)
	in.VisitID = chi.URLParam(r, "visitID")
	asJSON := noteWantsJSON(r)
	if owner := r.PostFormValue("owner_key"); asJSON && owner != "" && owner != evidenceview.DraftOwner(a) {
		// A note queued in this browser by someone else, replayed while another user is signed in.
		return noteJSON(w, http.StatusConflict, noteAnswer{Code: "owner",
			Message: "This note was written by someone else signed in on this device"})
	}
	// The form's lists are read only when the form is shown again: a save that succeeds reads
	// what its checks need in one statement (evidence.CreateChecked).
	var v evidenceview.FormView
	var id string
	var created bool
	check := in // Validate tidies what it checks; the form shows what was typed
	errs := check.Validate()
	var err error
	if !errs.Any() {
		err = s.tx(r, func(tx pgx.Tx) error {
			var err error
			id, created, err = evidence.CreateChecked(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, in,
				evidence.PersonalData{Scan: true, Confirmed: r.PostFormValue("confirm_personal_data") == "yes"})
			return err
		})
	}
	var found []evidence.Finding
	var refused *evidence.Refused
	if errors.As(err, &refused) {
		errs, found, err = refused.Errors, refused.Found, nil
	}
	if err != nil {
		if asJSON {
			return s.noteJSONError(w, r, err)
		}
		return err
	}
	if id == "" && asJSON {
		if errs == nil {
			errs = &form.Errors{}
		}
		v.Errors, v.Findings = errs, found
		return noteJSONInvalid(w, v)
	}
	if id == "" {
		// Not saved: the form again, with what was typed and why.
		err := s.tx(r, func(tx pgx.Tx) error {
			var err error
			if v, err = s.noteFormView(r, tx, in.VisitID); err != nil {
				return err
			}
			v.In, v.Date, v.TagsText, v.Key = in, d, tagsText, in.Key
			if errs == nil {
				errs = &form.Errors{}
			}
			v.Errors = errs
			v.Findings = found
			return noteSuggestTags(r, tx, &v)
		})
		if err != nil {
			return err
		}
		return s.noteFormPage(w, r, v)
	}
	if in.Safeguarding {
		s.safeguardingNotify(r, id) // tell the review's leads, now that the note is committed
	}
	if asJSON {
		status := http.StatusOK // the same key again: the note saved before
		if created {
			status = http.StatusCreated
		}
		return noteJSON(w, status, noteAnswer{ID: id, URL: "/reviews/" + a.Review.ReviewID + "/notes/" + id, Created: created})
	}
	if r.PostFormValue("action") == "another" {
		q := url.Values{"source": {in.SourceID}, "date": {in.NoteDate}}
		return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/visits/"+in.VisitID+"/notes/new?"+q.Encode(), "Note saved")
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+id, "Note saved")
}

// noteWantsJSON reports whether the note form was sent by the page's script (fetch with
// Accept: application/json), which reads a JSON answer instead of a page.
func noteWantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// noteAnswer is the JSON answer to a script's note form: the note (201 new, 200 the same
// idempotency key again), or why it was not saved.
type noteAnswer struct {
	ID       string              `json:"id,omitempty"`
	URL      string              `json:"url,omitempty"`
	Created  bool                `json:"created,omitempty"`
	Code     string              `json:"code,omitempty"`
	Message  string              `json:"message,omitempty"`
	Errors   []noteAnswerError   `json:"errors,omitempty"`
	Findings []noteAnswerFinding `json:"findings,omitempty"`
}

type noteAnswerFinding struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Text    string `json:"text"`
}

type noteAnswerError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func noteJSON(w http.ResponseWriter, status int, body noteAnswer) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(body)
}

// noteJSONInvalid answers 422 with the field errors and what the personal data guard found.
func noteJSONInvalid(w http.ResponseWriter, v evidenceview.FormView) error {
	body := noteAnswer{Code: "invalid", Message: "The note has a problem"}
	for _, f := range v.Findings {
		body.Findings = append(body.Findings, noteAnswerFinding{Kind: f.Kind, Message: f.Message, Text: f.Text})
	}
	for _, e := range v.Errors.List() {
		body.Errors = append(body.Errors, noteAnswerError{Field: e.Field, Message: e.Message})
	}
	return noteJSON(w, http.StatusUnprocessableEntity, body)
}

// noteJSONError answers an error with its status and message.
func (s *Server) noteJSONError(w http.ResponseWriter, r *http.Request, err error) error {
	ev := errorView(err)
	if ev.Status >= 500 {
		s.logger(r.Context()).Error("request failed", "err", err, "status", ev.Status)
	}
	msg := ev.Message
	if msg == "" {
		msg = ev.Heading
	}
	return noteJSON(w, ev.Status, noteAnswer{Code: "error", Message: msg})
}

// noteLoad reads the note named in the path (withDeleted for the undo pages).
func noteLoad(r *http.Request, tx pgx.Tx, withDeleted bool) (evidence.Note, error) {
	a := actorFrom(r.Context())
	id := chi.URLParam(r, "noteID")
	if !db.ValidUUID(id) {
		return evidence.Note{}, apperr.NotFound("Note not found")
	}
	n, err := evidence.Get(r.Context(), tx, a.TenantID, a.Review.ReviewID, id, withDeleted)
	if err != nil {
		return n, err
	}
	if !a.Review.SeesArea(n.AreaID) {
		return evidence.Note{}, apperr.NotFound("Note not found")
	}
	// A safeguarding concern is its author's and the leads' only (row-level security agrees).
	if !evidence.CanSeeConcern(n, a.UserID, isReviewLead(a)) {
		return evidence.Note{}, apperr.NotFound("Note not found")
	}
	return n, nil
}

func (s *Server) noteShow(w http.ResponseWriter, r *http.Request) error {
	var v evidenceview.NotePage
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		v, err = s.notePage(r, tx)
		return err
	})
	if err != nil {
		return err
	}
	for _, c := range v.History {
		if kinds, ok := c.After["personal_data_confirmed"].([]any); ok {
			for _, k := range kinds {
				if ks, ok := k.(string); ok && !containsString(v.Confirmed, ks) {
					v.Confirmed = append(v.Confirmed, strings.ReplaceAll(ks, "_", " "))
				}
			}
		}
	}
	return s.notePageRender(w, r, v)
}

// noteFormOf fills a form view with a stored note's fields.
func noteFormOf(v *evidenceview.FormView, n evidence.Note) {
	v.NoteID, v.Version = n.ID, n.Version
	v.In = evidence.NoteInput{VisitID: n.VisitID, SourceID: n.SourceID, RoleID: n.RoleID,
		NoteDate: n.NoteDate.Format(noteDateLayout), Body: n.Body, ActionAreas: n.ActionAreas, Lines: n.Lines,
		Tags: n.Tags, Documents: n.Documents, Judgement: n.Judgement, GoodPractice: n.GoodPractice, FamilyWords: n.FamilyWords,
		Safeguarding: n.Safeguarding}
	v.Date = noteDateInput(n.NoteDate)
	v.TagsText = strings.Join(n.Tags, ", ")
}

func (s *Server) noteEdit(w http.ResponseWriter, r *http.Request) error {
	var v evidenceview.FormView
	err := s.tx(r, func(tx pgx.Tx) error {
		n, err := noteLoad(r, tx, false)
		if err != nil {
			return err
		}
		if n.LockedAt != nil {
			return apperr.Forbidden(evidence.LockedMessage)
		}
		var l evidence.Lock
		if v, l, err = s.noteFormData(r, tx, n.VisitID, true); err != nil {
			return err
		}
		if err := l.Status.Verdict(review.ChangeEvidence, l.Locked()); err != nil {
			return err
		}
		noteFormOf(&v, n)
		return nil
	})
	if err != nil {
		return err
	}
	return s.noteFormPage(w, r, v)
}

// noteChanged lists the fields where the user's version differs from the current one.
func noteChanged(mine evidence.NoteInput, cur evidence.Note) []string {
	var out []string
	add := func(differ bool, label string) {
		if differ {
			out = append(out, label)
		}
	}
	add(mine.Body != cur.Body, "text")
	add(mine.SourceID != cur.SourceID, "source")
	add(mine.RoleID != cur.RoleID, "professional role")
	add(mine.NoteDate != cur.NoteDate.Format(noteDateLayout), "date")
	add(mine.Judgement != cur.Judgement, "judgement")
	add(strings.Join(mine.ActionAreas, ",") != strings.Join(cur.ActionAreas, ","), "action areas")
	add(strings.Join(mine.Lines, ",") != strings.Join(cur.Lines, ","), "lines of enquiry")
	add(strings.ToLower(strings.Join(mine.Tags, ",")) != strings.ToLower(strings.Join(cur.Tags, ",")), "themes")
	add(!sameSet(mine.Documents, cur.Documents), "cited documents")
	add(mine.GoodPractice != cur.GoodPractice, "good-practice example")
	add(mine.FamilyWords != cur.FamilyWords, "family’s own words")
	return out
}

// sameSet reports whether two lists of ids hold the same ids, whatever their order or case.
func sameSet(a, b []string) bool {
	set := func(l []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range l {
			m[strings.ToLower(x)] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) != len(sb) {
		return false
	}
	for x := range sa {
		if !sb[x] {
			return false
		}
	}
	return true
}

func (s *Server) noteUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	in, d, tagsText := noteReadForm(r)
	version, verr := strconv.Atoi(r.PostFormValue("version"))
	if verr != nil {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	var v evidenceview.FormView
	var saved bool
	var cur evidence.Note
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if cur, err = noteLoad(r, tx, false); err != nil {
			return err
		}
		if v, err = s.noteFormView(r, tx, cur.VisitID); err != nil {
			return err
		}
		v.NoteID, v.Version = cur.ID, version
		v.In, v.Date, v.TagsText = in, d, tagsText
		in.Safeguarding = in.Safeguarding || cur.Safeguarding // a concern stays one
		check := in
		if errs := check.Validate(); errs.Any() {
			v.Errors = errs
			return nil
		}
		found, confirmed := noteFindings(r, in, v.Opts.Names)
		if len(found) > 0 && !confirmed {
			v.Findings = found
			v.Errors.Add("body", evidence.Summary(found)+". Change the text, or confirm it is not personal data")
			return nil
		}
		if _, err := evidence.Update(ctx, tx, a.TenantID, a.Review.ReviewID, cur.ID, a.UserID, version, in); err != nil {
			return err
		}
		saved = true
		if len(found) > 0 {
			return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
				Action: "evidence.personal_data_confirmed", ObjectType: "evidence_note", ObjectID: cur.ID,
				After: map[string]any{"personal_data_confirmed": evidence.Kinds(found)}})
		}
		return nil
	})
	var refused *evidence.Refused
	var stale *evidence.StaleError
	switch {
	case errors.As(err, &refused):
		v.Errors = refused.Errors
		return s.noteFormPage(w, r, v)
	case errors.As(err, &stale):
		mine := in
		mine.Tags = v.In.Tags
		v.Conflict = &evidenceview.ConflictView{Current: stale.Current, Mine: mine, Changed: noteChanged(mine, stale.Current)}
		noteFormOf(&v, stale.Current)
		v.In.Body = in.Body // the user's text, to merge
		return s.noteFormPage(w, r, v)
	case err != nil:
		return err
	}
	if !saved {
		return s.noteFormPage(w, r, v)
	}
	if in.Safeguarding && !cur.Safeguarding {
		s.safeguardingNotify(r, cur.ID) // tell the review's leads, now that the change is committed
		return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+cur.ID, "Note saved as a safeguarding concern. The review’s leads have been told.")
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+cur.ID, "Note saved")
}

func (s *Server) noteDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var n evidence.Note
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if n, err = noteLoad(r, tx, true); err != nil {
			return err
		}
		return evidence.SoftDelete(ctx, tx, a.TenantID, a.Review.ReviewID, n.ID, a.UserID)
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+n.ID+"/deleted", "")
}

func (s *Server) noteDeleted(w http.ResponseWriter, r *http.Request) error {
	v := evidenceview.DeletedView{Errors: &form.Errors{}}
	restored := false
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		restored, err = noteDeletedView(r, tx, &v)
		return err
	})
	if err != nil {
		return err
	}
	if restored {
		return s.redirect(w, r, "/reviews/"+actorFrom(r.Context()).Review.ReviewID+"/notes/"+v.NoteID, "")
	}
	return s.ok(w, r, evidenceview.Deleted(s.page(r, noteDeletedTitle(v)), v))
}

// noteDeletedView fills the deleted note's page; restored says the note is not deleted (undone
// already, or never deleted), when the note itself is to be shown instead.
func noteDeletedView(r *http.Request, tx pgx.Tx, v *evidenceview.DeletedView) (restored bool, err error) {
	a := actorFrom(r.Context())
	n, err := noteLoad(r, tx, true)
	if err != nil {
		return false, err
	}
	v.NoteID = n.ID
	if n.DeletedAt == nil {
		return true, nil
	}
	v.VisitID, v.ErasedAt, v.CanErase = n.VisitID, n.PurgedAt, isReviewLead(a)
	v.Review, err = visit.GetReview(r.Context(), tx, a.TenantID, n.ReviewID)
	return false, err
}

func noteDeletedTitle(v evidenceview.DeletedView) string {
	if v.ErasedAt != nil {
		return "Note erased"
	}
	return "Note deleted"
}

// noteErase erases a deleted note for good, with the lead's reason.
func (s *Server) noteErase(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	id := chi.URLParam(r, "noteID")
	if !db.ValidUUID(id) {
		return apperr.NotFound("Note not found")
	}
	v := evidenceview.DeletedView{Reason: strings.TrimSpace(r.PostFormValue("reason")), Errors: &form.Errors{}}
	switch n := len([]rune(v.Reason)); {
	case n == 0:
		v.Errors.Add("reason", "Say why the note is erased")
	case n > evidence.MaxEraseReason:
		v.Errors.Add("reason", fmt.Sprintf("The reason must be %d characters or fewer", evidence.MaxEraseReason))
	}
	var n evidence.Note
	var restored bool
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v.Errors.Any() {
			restored, err = noteDeletedView(r, tx, &v)
			return err
		}
		n, _, err = evidence.Erase(ctx, tx, a.TenantID, a.Review.ReviewID, id, a.UserID, a.Email, v.Reason, func(n evidence.Note) error {
			if !a.Review.SeesArea(n.AreaID) || !evidence.CanSeeConcern(n, a.UserID, isReviewLead(a)) {
				return apperr.NotFound("Note not found")
			}
			return nil
		})
		return err
	})
	if err != nil {
		return err
	}
	if v.Errors.Any() {
		if restored {
			return apperr.Conflict(evidence.NotDeletedMessage)
		}
		p := s.page(r, noteDeletedTitle(v))
		p.HasError = true
		return s.invalid(w, r, evidenceview.Deleted(p, v))
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/visits/"+n.VisitID, "Note erased for good")
}

func (s *Server) noteRestore(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var n evidence.Note
	id := chi.URLParam(r, "noteID")
	if !db.ValidUUID(id) {
		return apperr.NotFound("Note not found")
	}
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		n, err = evidence.Restore(ctx, tx, a.TenantID, a.Review.ReviewID, id, a.UserID, func(n evidence.Note) error {
			if !a.Review.SeesArea(n.AreaID) || !evidence.CanSeeConcern(n, a.UserID, isReviewLead(a)) {
				return apperr.NotFound("Note not found")
			}
			return nil
		})
		return err
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+n.ID, "Note restored")
}
