package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/evidence"
	"thematic/internal/form"
	"thematic/internal/review"
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

// noteFormOfData is the note form with what it offers besides what was typed.
func noteFormOfData(f evidence.Form) evidenceview.FormView {
	return evidenceview.FormView{Review: f.Review, Visit: f.Visit, Opts: f.Options, Framework: f.Framework,
		Enquiry: f.Enquiry, Errors: &form.Errors{}}
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
	f, err := evidence.NewNoteForm(r.Context(), s.pool, scopeOf(r), actorFrom(r.Context()).Review, chi.URLParam(r, "visitID"))
	if err != nil {
		return err
	}
	v := noteFormOfData(f)
	v.Key = noteKey()
	if offlineFetch(r) && keptVisit(v.Visit, actorFrom(r.Context()).UserID, time.Now()) {
		// The form the service worker keeps: opened many times from the device, so each opening
		// makes its own idempotency key (notes.js), and none is written in.
		v.Key = ""
		markKept(w)
	}
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

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) noteCreate(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	in, d, tagsText := noteReadForm(r)
	in.VisitID = chi.URLParam(r, "visitID")
	asJSON := noteWantsJSON(r)
	files, ferrs := noteReadFiles(r)
	if ferrs.Any() {
		if asJSON {
			return noteJSONInvalid(w, evidenceview.FormView{Errors: ferrs})
		}
		f, err := evidence.NewNoteForm(r.Context(), s.pool, scopeOf(r), a.Review, in.VisitID)
		if err != nil {
			return err
		}
		v := noteFormOfData(f)
		v.In, v.Date, v.TagsText, v.Key, v.Errors = in, d, tagsText, in.Key, ferrs
		return s.noteFormPage(w, r, v)
	}
	in.Files = files
	rec := evidence.Recording{ConfirmedPersonalData: r.PostFormValue("confirm_personal_data") == "yes", WithForm: !asJSON}
	if asJSON {
		// A note queued in the browser and replayed: evidence.RecordNote checks whose it is.
		rec.OwnerKey = r.PostFormValue("owner_key")
	}
	out, err := evidence.RecordNote(r.Context(), s.pool, scopeOf(r), a.Review, in, rec)
	var owner *evidence.OwnerError
	var refused *evidence.Refused
	switch {
	case errors.As(err, &owner):
		return noteJSON(w, http.StatusConflict, noteAnswer{Code: "owner", Message: owner.Error()})
	case errors.As(err, &refused) && asJSON:
		return noteJSONInvalid(w, evidenceview.FormView{Errors: out.Errors, Findings: out.Findings})
	case errors.As(err, &refused):
		// Not saved: the form again, with what was typed and why.
		v := noteFormOfData(out.Form)
		v.In, v.Date, v.TagsText, v.Key = in, d, tagsText, in.Key
		v.Errors, v.Findings = out.Errors, out.Findings
		noteFilesAgain(v.Errors, len(files))
		return s.noteFormPage(w, r, v)
	case err != nil && asJSON:
		return s.noteJSONError(w, r, err)
	case err != nil:
		return err
	}
	id := out.ID
	if asJSON {
		status := http.StatusOK // the same key again: the note saved before
		if out.Created {
			status = http.StatusCreated
		}
		return noteJSON(w, status, noteAnswer{ID: id, URL: "/reviews/" + a.Review.ReviewID + "/notes/" + id, Created: out.Created})
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

// notePageOf is a note's page as the actor sees it.
func notePageOf(a *auth.Actor, n evidence.NoteView) evidenceview.NotePage {
	var v evidenceview.NotePage
	v.Note, v.Review, v.Visit, v.Opts, v.Framework, v.Enquiry, v.Lock = n.Note, n.Form.Review, n.Form.Visit,
		n.Form.Options, n.Form.Framework, n.Form.Enquiry, n.Form.Lock
	v.Author, v.History, v.Files = n.Author, n.History, n.Files
	v.IsLead = isReviewLead(a)
	v.CanWrite = auth.Allowed(a, auth.ReviewRecord)
	if n.Concern != nil {
		v.Concern = n.Concern
		v.CanAct = v.IsLead || v.Note.AuthorID == a.UserID
		v.ActionKey = noteKey()
	}
	return v
}

func (s *Server) noteShow(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	n, err := evidence.NotePage(r.Context(), s.pool, scopeOf(r), a.Review, chi.URLParam(r, "noteID"))
	if err != nil {
		return err
	}
	v := notePageOf(a, n)
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
	n, f, err := evidence.EditNoteForm(r.Context(), s.pool, scopeOf(r), actorFrom(r.Context()).Review, chi.URLParam(r, "noteID"))
	if err != nil {
		return err
	}
	v := noteFormOfData(f)
	noteFormOf(&v, n)
	v.Files, v.CanRemove = f.Files, n.AuthorID == actorFrom(r.Context()).UserID
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
	a := actorFrom(r.Context())
	in, d, tagsText := noteReadForm(r)
	version, verr := strconv.Atoi(r.PostFormValue("version"))
	if verr != nil {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	files, ferrs := noteReadFiles(r)
	if ferrs.Any() {
		n, f, err := evidence.EditNoteForm(r.Context(), s.pool, scopeOf(r), a.Review, chi.URLParam(r, "noteID"))
		if err != nil {
			return err
		}
		v := noteFormOfData(f)
		noteFormOf(&v, n)
		v.Version, v.In, v.Date, v.TagsText, v.Errors = version, in, d, tagsText, ferrs
		v.Files, v.CanRemove = f.Files, n.AuthorID == a.UserID
		return s.noteFormPage(w, r, v)
	}
	in.Files = files
	out, err := evidence.ChangeNote(r.Context(), s.pool, scopeOf(r), a.Review, chi.URLParam(r, "noteID"), version, in,
		r.PostFormValue("confirm_personal_data") == "yes")
	cur := out.Before
	v := noteFormOfData(out.Form)
	v.NoteID, v.Version = cur.ID, version
	v.In, v.Date, v.TagsText = in, d, tagsText
	v.Errors, v.Findings = out.Errors, out.Findings
	var refused *evidence.Refused
	var stale *evidence.StaleError
	switch {
	case errors.As(err, &refused):
		noteFilesAgain(v.Errors, len(files))
		return s.noteFormPage(w, r, v)
	case errors.As(err, &stale):
		noteFilesAgain(v.Errors, len(files))
		mine := in
		mine.Safeguarding = in.Safeguarding || cur.Safeguarding
		mine.Tags = v.In.Tags
		v.Conflict = &evidenceview.ConflictView{Current: stale.Current, Mine: mine, Changed: noteChanged(mine, stale.Current)}
		noteFormOf(&v, stale.Current)
		v.In.Body = in.Body // the user's text, to merge
		return s.noteFormPage(w, r, v)
	case err != nil:
		return err
	}
	if !out.Saved {
		noteFilesAgain(v.Errors, len(files))
		return s.noteFormPage(w, r, v)
	}
	if in.Safeguarding && !cur.Safeguarding {
		return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+cur.ID, "Note saved as a safeguarding concern. The review’s leads have been told.")
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+cur.ID, "Note saved")
}

func (s *Server) noteDelete(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	n, err := evidence.DeleteNote(r.Context(), s.pool, scopeOf(r), a.Review, chi.URLParam(r, "noteID"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+n.ID+"/deleted", "")
}

// noteDeletedOf fills the deleted note's page.
func noteDeletedOf(a *auth.Actor, d evidence.Deleted, v *evidenceview.DeletedView) {
	v.NoteID = d.Note.ID
	if d.Restored {
		return
	}
	v.VisitID, v.ErasedAt, v.CanErase, v.Review = d.Note.VisitID, d.Note.PurgedAt, isReviewLead(a), d.Review
}

func (s *Server) noteDeleted(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	d, err := evidence.DeletedNotePage(r.Context(), s.pool, scopeOf(r), a.Review, chi.URLParam(r, "noteID"))
	if err != nil {
		return err
	}
	if d.Restored {
		// Undone already, or never deleted: the note itself.
		return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+d.Note.ID, "")
	}
	v := evidenceview.DeletedView{Errors: &form.Errors{}}
	noteDeletedOf(a, d, &v)
	return s.ok(w, r, evidenceview.Deleted(s.page(r, noteDeletedTitle(v)), v))
}

func noteDeletedTitle(v evidenceview.DeletedView) string {
	if v.ErasedAt != nil {
		return "Note erased"
	}
	return "Note deleted"
}

// noteErase erases a deleted note for good, with the lead's reason.
func (s *Server) noteErase(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	reason := r.PostFormValue("reason")
	d, err := evidence.EraseNote(r.Context(), s.pool, scopeOf(r), a.Review, chi.URLParam(r, "noteID"), reason)
	var refused *form.Refused
	if errors.As(err, &refused) {
		v := evidenceview.DeletedView{Reason: strings.TrimSpace(reason), Errors: refused.Errors}
		noteDeletedOf(a, d, &v)
		p := s.page(r, noteDeletedTitle(v))
		p.HasError = true
		return s.invalid(w, r, evidenceview.Deleted(p, v))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/visits/"+d.Note.VisitID, "Note erased for good")
}

func (s *Server) noteRestore(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	n, err := evidence.RestoreNote(r.Context(), s.pool, scopeOf(r), a.Review, chi.URLParam(r, "noteID"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reviews/"+a.Review.ReviewID+"/notes/"+n.ID, "Note restored")
}
