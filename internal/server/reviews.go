package server

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/area"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/form"
	"thematic/internal/report"
	"thematic/internal/retention"
	"thematic/internal/review"
	"thematic/internal/selfassess"
	"thematic/templates"
	"thematic/templates/reviewview"
)

// Reviews: the list of the user's reviews, creating one, its overview, its details and its stage.

// rvKeyRE is the form of an idempotency key: 16 random bytes in hex.
var rvKeyRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func rvNewKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// rvVersion reads the hidden version a change form carries.
func rvVersion(r *http.Request) (int, error) {
	v, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || v < 0 {
		return 0, apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	return v, nil
}

// rvDetails reads the details fields of the create and edit forms, as typed.
func rvDetails(r *http.Request) review.Details {
	date := func(id string) review.DateInput {
		return review.DateInput{Day: r.PostFormValue(id + "-day"), Month: r.PostFormValue(id + "-month"),
			Year: r.PostFormValue(id + "-year")}
	}
	return review.Details{Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"),
		KeyQuestion: r.PostFormValue("key_question"), FieldworkStart: date("fieldwork-start"),
		FieldworkEnd: date("fieldwork-end"), PlannedPublication: date("planned-publication")}
}

func rvDetailsOf(v review.Review) review.Details {
	return review.Details{Title: v.Title, Summary: v.Summary, KeyQuestion: v.KeyQuestion,
		FieldworkStart: review.DateInputOf(v.FieldworkStart), FieldworkEnd: review.DateInputOf(v.FieldworkEnd),
		PlannedPublication: review.DateInputOf(v.PlannedPublication), Version: v.Version}
}

// rvAuditDetails is what the audit log keeps of a review's details.
func rvAuditDetails(v review.Review) map[string]string {
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format("2006-01-02")
	}
	return map[string]string{"title": v.Title, "summary": v.Summary, "key_question": v.KeyQuestion,
		"fieldwork_start": day(v.FieldworkStart), "fieldwork_end": day(v.FieldworkEnd),
		"planned_publication": day(v.PlannedPublication)}
}

// rvChanged keeps only the fields that differ between before and after.
func rvChanged(before, after map[string]string) (b, a map[string]string) {
	b, a = map[string]string{}, map[string]string{}
	for k, v := range after {
		if before[k] != v {
			b[k], a[k] = before[k], v
		}
	}
	return b, a
}

func rvStartTemplate() (review.Template, error) {
	tpls, err := review.Templates()
	if err != nil {
		return review.Template{}, err
	}
	t, ok := tpls[review.StartForLife]
	if !ok {
		return review.Template{}, fmt.Errorf("review: built-in template %s missing", review.StartForLife)
	}
	return t, nil
}

// --- The list and creating a review ---

func (s *Server) reviewList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := reviewview.ListView{CanCreate: auth.Allowed(a, auth.CreateReview)}
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		v.Reviews, err = review.List(ctx, tx, a.TenantID, a.UserID)
		return err
	})
	if err != nil {
		return err
	}
	p := s.page(r, "Reviews")
	p.Nav = "reviews"
	return s.ok(w, r, reviewview.List(p, v))
}

// rvSources lists the reviews the user leads: those they may copy a new review from.
func (s *Server) rvSources(r *http.Request) ([]review.Summary, error) {
	a := actorFrom(r.Context())
	var all []review.Summary
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		all, err = review.List(r.Context(), tx, a.TenantID, a.UserID)
		return err
	})
	var led []review.Summary
	for _, x := range all {
		if x.Role == auth.ReviewLead {
			led = append(led, x)
		}
	}
	return led, err
}

func (s *Server) reviewNewForm(w http.ResponseWriter, r *http.Request) error {
	tpl, err := rvStartTemplate()
	if err != nil {
		return err
	}
	sources, err := s.rvSources(r)
	if err != nil {
		return err
	}
	// Nothing is chosen for the lead: a blank review, a template and a copy differ too much.
	f := reviewview.NewForm{Key: rvNewKey(), Template: tpl, Sources: sources, Errors: &form.Errors{}}
	p := s.page(r, "Create a review")
	p.Nav = "reviews"
	return s.ok(w, r, reviewview.New(p, f))
}

// rvCreateForm is the create form as sent.
type rvCreateForm struct {
	reviewview.NewForm
}

// Validate checks the details, the start choice and the review to copy from.
func (f rvCreateForm) Validate() (review.Review, *form.Errors) {
	v, errs := f.Details.Validate()
	switch f.Start {
	case reviewview.StartBlank, reviewview.StartTemplate:
	case reviewview.StartCopy:
		if len(f.Sources) == 0 {
			errs.Add("start", "You do not lead any other review to copy from: start from a blank review or the template")
			break
		}
		found := false
		for _, x := range f.Sources {
			found = found || x.ID == f.CopyFrom
		}
		if !found {
			errs.Add("copy-from", "Select a review you lead to copy from")
		}
	default:
		errs.Add("start", "Select what the review starts from")
	}
	return v, errs
}

func (s *Server) reviewCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	key := r.PostFormValue("idempotency_key")
	if !rvKeyRE.MatchString(key) {
		return apperr.Invalid("The form could not be read. Go back, reload the page and try again.")
	}
	tpl, err := rvStartTemplate()
	if err != nil {
		return err
	}
	sources, err := s.rvSources(r)
	if err != nil {
		return err
	}
	f := rvCreateForm{reviewview.NewForm{Details: rvDetails(r), Start: r.PostFormValue("start"),
		CopyFrom: r.PostFormValue("copy_from"), Key: key, Template: tpl, Sources: sources}}
	v, errs := f.Validate()
	if errs.Any() {
		f.Errors = errs
		p := s.page(r, "Create a review")
		p.Nav = "reviews"
		p.HasError = true
		return s.invalid(w, r, reviewview.New(p, f.NewForm))
	}

	var id string
	var again bool
	err = s.tx(r, func(tx pgx.Tx) error {
		// A form sent twice carries the same key: the second waits for the first, finds the
		// review it made, and goes there instead of making another.
		if err := review.LockCreateKey(ctx, tx, a.TenantID, key); err != nil {
			return err
		}
		var err error
		if id, again, err = review.CreatedWithKey(ctx, tx, a.TenantID, key); err != nil || again {
			return err
		}
		v.CreateKey = key
		if id, err = review.Create(ctx, tx, a.TenantID, a.UserID, v); err != nil {
			return err
		}
		after := map[string]string{"title": v.Title, "start": f.Start, "idempotency_key": key}
		switch f.Start {
		case reviewview.StartBlank:
			if err := review.SeedVocabulary(ctx, tx, a.TenantID, id, review.GeneralVocabulary(a.TenantName)); err != nil {
				return err
			}
		case reviewview.StartTemplate:
			after["template"] = review.StartForLife
			if err := review.ApplyTemplate(ctx, tx, a.TenantID, id, tpl); err != nil {
				return err
			}
		case reviewview.StartCopy:
			after["copied_from"] = f.CopyFrom
			if err := s.rvCopy(r, tx, f.CopyFrom, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "review.created", ObjectType: "review", ObjectID: id, After: after})
	})
	if err != nil {
		return err
	}
	if again {
		return s.redirect(w, r, reviewview.ReviewPath(id), "This review had already been created")
	}
	return s.redirect(w, r, reviewview.ReviewPath(id), "Review created. You are its lead.")
}

// rvCopy copies the framework, lines of enquiry and vocabularies of a review the user still leads.
func (s *Server) rvCopy(r *http.Request, tx pgx.Tx, fromID, toID string) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	acc, err := review.Access(ctx, tx, a.TenantID, fromID, a.UserID)
	if err != nil {
		return err
	}
	if acc.Role != auth.ReviewLead {
		return apperr.NotFound("Review not found")
	}
	fw, err := review.LoadFramework(ctx, tx, a.TenantID, fromID)
	if err != nil {
		return err
	}
	if err := review.InsertFramework(ctx, tx, a.TenantID, toID, fw); err != nil {
		return err
	}
	enq, err := review.LoadEnquiry(ctx, tx, a.TenantID, fromID)
	if err != nil {
		return err
	}
	if err := review.InsertEnquiry(ctx, tx, a.TenantID, toID, enq); err != nil {
		return err
	}
	vocab, err := review.LoadVocabulary(ctx, tx, a.TenantID, fromID)
	if err != nil {
		return err
	}
	return review.SeedVocabulary(ctx, tx, a.TenantID, toID, vocab)
}

// --- The overview ---

func (s *Server) reviewOverview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if a.Review.Role == auth.ReviewContact {
		// A local authority contact sees the review's title and question and their own area only.
		v := reviewview.ContactView{AreaID: a.Review.AreaID}
		err := s.tx(r, func(tx pgx.Tx) error {
			var err error
			if v.Review, err = review.Get(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
				return err
			}
			v.AreaName, err = review.AreaName(ctx, tx, a.TenantID, a.Review.ReviewID, a.Review.AreaID)
			return err
		})
		if err != nil {
			return err
		}
		return s.ok(w, r, reviewview.ContactOverview(s.rvPage(r, v.Review.Title), v))
	}
	v, err := s.rvOverview(r)
	if err != nil {
		return err
	}
	return s.ok(w, r, reviewview.Overview(s.rvPage(r, v.Review.Title), v))
}

func (s *Server) rvPage(r *http.Request, title string) templates.Page {
	p := s.page(r, title)
	p.Nav = "reviews"
	return p
}

// rvOverview reads what the staff overview shows: the review, its counts, the report's state and
// what moving on needs.
func (s *Server) rvOverview(r *http.Request) (reviewview.OverviewView, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := reviewview.OverviewView{Lead: a.Review.Role == auth.ReviewLead, Errors: &form.Errors{}}
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		if v.Review, err = review.Get(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		if v.Counts, v.Retention, err = retention.WithOverview(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		if v.Lead && v.Review.Status == review.StatusQA {
			// At quality assurance the report is approved only while it is what was approved: the
			// report is built and its hash compared (its state is read with it).
			l, err := report.LoadAll(ctx, tx, a.TenantID, a.Review.ReviewID, report.LoadOptions{})
			if err != nil {
				return err
			}
			doc, _ := report.Build(l.Data)
			v.ReportChanged = l.State.Status == report.StatusApproved && !l.State.ApprovalHolds(&doc)
			v.Report = l.State.Shown(&doc)
			// No self-assessment can come in at quality assurance: no warning of late ones.
			return nil
		} else if v.Report, err = report.LoadState(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil || !v.Lead {
			return err
		}
		if v.Review.Status == review.StatusPublished {
			return nil // nothing can come in either
		}
		v.LateSelfAssessments, err = selfassess.LateCount(ctx, tx, a.TenantID, a.Review.ReviewID, area.Today(s.now()))
		return err
	})
	if next := v.Review.Status.Next(); next != "" {
		v.Needs = report.Needs(next, v.Counts, v.Report)
	}
	return v, err
}

// --- Details and stage ---

func (s *Server) reviewEditForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	var v review.Review
	err := s.tx(r, func(tx pgx.Tx) error {
		var err error
		v, err = review.Get(ctx, tx, a.TenantID, a.Review.ReviewID)
		return err
	})
	if err != nil {
		return err
	}
	f := reviewview.EditForm{ReviewID: v.ID, Caption: v.Title, Details: rvDetailsOf(v), Errors: &form.Errors{}}
	return s.ok(w, r, reviewview.Edit(s.rvPage(r, "Change the review’s details"), f))
}

func (s *Server) reviewEdit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	version, err := rvVersion(r)
	if err != nil {
		return err
	}
	d := rvDetails(r)
	d.Version = version
	v, errs := d.Validate()
	if errs.Any() {
		var cur review.Review
		err := s.tx(r, func(tx pgx.Tx) error {
			var err error
			cur, err = review.Get(ctx, tx, a.TenantID, a.Review.ReviewID)
			return err
		})
		if err != nil {
			return err
		}
		p := s.rvPage(r, "Change the review’s details")
		p.HasError = true
		return s.invalid(w, r, reviewview.Edit(p, reviewview.EditForm{ReviewID: cur.ID, Caption: cur.Title, Details: d, Errors: errs}))
	}
	err = s.tx(r, func(tx pgx.Tx) error {
		before, after, err := review.Update(ctx, tx, a.TenantID, a.Review.ReviewID, version, v)
		if err != nil {
			return err
		}
		b, aft := rvChanged(rvAuditDetails(before), rvAuditDetails(after))
		return audit.Record(ctx, tx, audit.Event{TenantID: a.TenantID, ActorID: a.UserID, ActorEmail: a.Email,
			Action: "review.updated", ObjectType: "review", ObjectID: a.Review.ReviewID, Before: b, After: aft})
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, reviewview.ReviewPath(a.Review.ReviewID), "The review’s details have been saved")
}

// reviewStatus moves the review's stage (report.MoveStage, which keeps the report in step): on
// from the overview, back from the move-back page with a reason.
func (s *Server) reviewStatus(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	version, err := rvVersion(r)
	if err != nil {
		return err
	}
	to := review.Status(r.PostFormValue("to"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	var moved report.Moved
	err = s.tx(r, func(tx pgx.Tx) (err error) {
		moved, err = report.MoveStage(ctx, tx, a.TenantID, a.Review.ReviewID, a.UserID, version, to, reason)
		return err
	})
	if apperr.Is(err, apperr.CodeConflict) {
		// Sent twice: the first press moved the review already.
		var cur review.Review
		if e := s.tx(r, func(tx pgx.Tx) (e error) {
			cur, e = review.Get(ctx, tx, a.TenantID, a.Review.ReviewID)
			return e
		}); e == nil && cur.Status == to && cur.Version == version+1 {
			return s.redirect(w, r, reviewview.ReviewPath(a.Review.ReviewID), "")
		}
	}
	var step *review.StepError
	var refused *report.StepError
	msg, field := "", "to"
	switch {
	case errors.As(err, &step):
		msg, field = step.Error(), cmp.Or(step.Field, "to")
	case errors.As(err, &refused):
		msg = refused.Message
	case err != nil:
		return err
	case moved.Lapse != nil && to == review.StatusPublished:
		// The report changed after its approval: it is back in drafting (committed).
		msg = report.ChangedMessage
	}
	if msg == "" {
		flash := "The review is now " + moved.To.Where()
		switch {
		case moved.ReportTo == report.StatusQA:
			flash += ": the report is sent for quality assurance"
		case moved.ReportTo == report.StatusPublished:
			flash += ": the report is published"
		case moved.Report.Status == report.StatusPublished:
			flash += ": the report is reopened for a correction"
		case moved.ReportTo == report.StatusChangesRequested:
			flash += ": changes to the report are requested"
		case moved.ReportTo == report.StatusDraft:
			flash += ": the report is back in draft"
		}
		return s.redirect(w, r, reviewview.ReviewPath(a.Review.ReviewID), flash)
	}
	if field == "reason" {
		// A move back without a good reason: the move-back page again, with what was typed.
		v, err := s.rvBackView(r)
		if err != nil {
			return err
		}
		v.Reason = reason
		v.Errors.Add("reason", msg)
		p := s.rvPage(r, v.Heading())
		p.HasError = true
		return s.invalid(w, r, reviewview.StageBack(p, v))
	}
	v, err := s.rvOverview(r)
	if err != nil {
		return err
	}
	v.Errors.Add("to", msg)
	p := s.rvPage(r, v.Review.Title)
	p.HasError = true
	return s.invalid(w, r, reviewview.Overview(p, v))
}

// rvBackView reads what the move-back page shows: the review and where it would go back to.
func (s *Server) rvBackView(r *http.Request) (reviewview.StageBackView, error) {
	ctx := r.Context()
	a := actorFrom(ctx)
	v := reviewview.StageBackView{Errors: &form.Errors{}}
	err := s.tx(r, func(tx pgx.Tx) (err error) {
		if v.Review, err = review.Get(ctx, tx, a.TenantID, a.Review.ReviewID); err != nil {
			return err
		}
		v.Report, err = report.LoadState(ctx, tx, a.TenantID, a.Review.ReviewID)
		return err
	})
	return v, err
}

// reviewStatusBack is the page to move the review back a stage, with the reason it needs.
func (s *Server) reviewStatusBack(w http.ResponseWriter, r *http.Request) error {
	v, err := s.rvBackView(r)
	if err != nil {
		return err
	}
	return s.ok(w, r, reviewview.StageBack(s.rvPage(r, v.Heading()), v))
}
