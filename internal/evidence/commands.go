package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/apperr"
	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
	"thematic/internal/form"
	"thematic/internal/review"
	"thematic/internal/visit"
)

// The commands and page queries of evidence notes: each opens its own transaction (db.InTx) for
// the scope sc, with acc the actor's place in the review (which areas they see, whether they
// lead), and writes its own audit entries. The tx-taking functions they wrap (Get, CreateChecked,
// Update, Erase, Restore…) stay for code that composes them in one transaction.

// DraftOwner is an opaque key of a user in a tenant, under which the note form's script keeps
// drafts and queued notes in the browser; RecordNote checks it when a queued note is replayed.
func DraftOwner(tenantID, userID string) string {
	sum := sha256.Sum256([]byte("thematic-draft\x00" + tenantID + "\x00" + userID))
	return hex.EncodeToString(sum[:12])
}

// OwnerError refuses a queued note replayed while another user is signed in on the device.
type OwnerError struct{}

func (*OwnerError) Error() string {
	return "This note was written by someone else signed in on this device"
}

func leads(acc *auth.ReviewAccess) bool { return acc != nil && acc.Role == auth.ReviewLead }

// notFound is how a note the actor may not see answers.
func notFound() error { return apperr.NotFound("Note not found") }

// allowed refuses a note the actor may not see: another area than a contact's own, or a
// safeguarding concern that is neither theirs nor a lead's.
func allowed(sc db.Scope, acc *auth.ReviewAccess) func(Note) error {
	return func(n Note) error {
		if !acc.SeesArea(n.AreaID) || !CanSeeConcern(n, sc.UserID, leads(acc)) {
			return notFound()
		}
		return nil
	}
}

// Load reads a note of the review the actor may see (withDeleted for the undo pages), in tx.
func Load(ctx context.Context, q db.Querier, sc db.Scope, acc *auth.ReviewAccess, noteID string, withDeleted bool) (Note, error) {
	if !db.ValidUUID(noteID) {
		return Note{}, notFound()
	}
	n, err := Get(ctx, q, sc.TenantID, sc.ReviewID, noteID, withDeleted)
	if err != nil {
		return n, err
	}
	if err := allowed(sc, acc)(n); err != nil {
		return Note{}, err
	}
	return n, nil
}

// Form is what a note form shows besides what was typed: the visit with its review, the form's
// lists and the evidence lock.
type Form struct {
	Review    visit.ReviewInfo
	Visit     visit.Visit
	Options   Options
	Framework review.Framework
	Enquiry   review.Enquiry
	Lock      Lock
	Files     []NoteFile // the note's photos and files, on its edit form
}

// LoadForm reads a note form's data for visitID in two statements; with suggest the tags are
// the most used first (TagSuggestions').
func LoadForm(ctx context.Context, q db.Querier, sc db.Scope, acc *auth.ReviewAccess, visitID string, suggest bool) (Form, error) {
	var f Form
	if !db.ValidUUID(visitID) {
		return f, apperr.NotFound("Visit not found")
	}
	var err error
	if f.Review, f.Visit, err = visit.GetWithReview(ctx, q, sc.TenantID, sc.ReviewID, visitID); err != nil {
		return f, err
	}
	if !acc.SeesArea(f.Visit.AreaID) {
		return f, apperr.NotFound("Visit not found")
	}
	l, err := LoadFormLists(ctx, q, sc.TenantID, sc.ReviewID, visitID, suggest)
	if err != nil {
		return f, err
	}
	f.Options, f.Framework, f.Enquiry, f.Lock = l.Options, l.Framework, l.Enquiry, l.Lock
	return f, nil
}

// NewNoteForm reads the form for a new note from visitID; a review whose stage or lock refuses
// new notes says so before anything is typed.
func NewNoteForm(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, visitID string) (Form, error) {
	var f Form
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if f, err = LoadForm(ctx, tx, sc, acc, visitID, true); err != nil {
			return err
		}
		return f.Lock.Status.Verdict(review.ChangeEvidence, f.Lock.Locked())
	})
	return f, err
}

// Recording is how a new note came: OwnerKey is the draft owner a replayed queued note carries
// ("" for a form sent from the page), ConfirmedPersonalData the user's confirmation that what the
// guard flags is not personal data, and WithForm asks for the form's data with a refusal (a page
// to show again; a script's JSON answer does not need it).
type Recording struct {
	OwnerKey              string
	ConfirmedPersonalData bool
	WithForm              bool
}

// Recorded is the outcome of RecordNote: the note (Created false for the same key again), or
// with a *Refused error the form's data (when asked) and what the personal data guard found.
type Recorded struct {
	ID       string
	Created  bool
	Form     Form
	Errors   *form.Errors
	Findings []Finding
}

// RecordNote saves a new note from a visit, idempotently (the same key again answers the first
// note). A note queued in the browser by another user is refused with *OwnerError; a note the
// checks refuse, with *Refused and, when rec.WithForm, the form's data read in the same
// transaction.
func RecordNote(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, in NoteInput, rec Recording) (Recorded, error) {
	var out Recorded
	if rec.OwnerKey != "" && rec.OwnerKey != DraftOwner(sc.TenantID, sc.UserID) {
		return out, &OwnerError{}
	}
	check := in // Validate tidies what it checks; the form shows what was typed
	if errs := check.Validate(); errs.Any() {
		out.Errors = errs
		if rec.WithForm {
			err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
				out.Form, err = LoadForm(ctx, tx, sc, acc, in.VisitID, true)
				return err
			})
			if err != nil {
				return out, err
			}
		}
		return out, &Refused{Errors: errs}
	}
	err := db.InTxGenericPlans(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		out.ID, out.Created, err = CreateChecked(ctx, tx, sc.TenantID, sc.ReviewID, sc.UserID, in,
			PersonalData{Scan: true, Confirmed: rec.ConfirmedPersonalData})
		if err == nil && out.Created {
			// The files go with the note that is new, never with one saved before under the key.
			err = attachFiles(ctx, tx, sc.TenantID, sc.ReviewID, out.ID, sc.UserID, in.Files)
		}
		var refused *Refused
		if errors.As(err, &refused) && rec.WithForm {
			// Nothing was written: the form's data is read before the transaction rolls back.
			var ferr error
			if out.Form, ferr = LoadForm(ctx, tx, sc, acc, in.VisitID, true); ferr != nil {
				return ferr
			}
		}
		return err
	})
	var refused *Refused
	if errors.As(err, &refused) {
		out.ID, out.Created, out.Errors, out.Findings = "", false, refused.Errors, refused.Found
		if out.Errors == nil {
			out.Errors = &form.Errors{}
		}
	}
	return out, err
}

// EditNoteForm reads a note and its form, to change it.
func EditNoteForm(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID string) (Note, Form, error) {
	var n Note
	var f Form
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if n, err = Load(ctx, tx, sc, acc, noteID, false); err != nil {
			return err
		}
		if n.LockedAt != nil {
			return apperr.Forbidden(LockedMessage)
		}
		if f, err = LoadForm(ctx, tx, sc, acc, n.VisitID, true); err != nil {
			return err
		}
		if err := f.Lock.Status.Verdict(review.ChangeEvidence, f.Lock.Locked()); err != nil {
			return err
		}
		f.Files, err = Files(ctx, tx, sc.TenantID, n.ID)
		return err
	})
	return n, f, err
}

// Changed is the outcome of ChangeNote.
type Changed struct {
	Before   Note // the note as read before the change
	Form     Form
	Saved    bool
	Errors   *form.Errors
	Findings []Finding
}

// ChangeNote saves a change to a note at version, checking what a new note is checked for; a
// concern stays one. A form the checks refuse answers Saved false with the errors (nothing
// written); a stale version answers *StaleError with the note as it is now; the form's data comes
// back in every case, read in the same transaction.
func ChangeNote(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID string, version int, in NoteInput, confirmed bool) (Changed, error) {
	out := Changed{Errors: &form.Errors{}}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		before, _, found, err := update(ctx, tx, sc.TenantID, sc.ReviewID, noteID, sc.UserID, version, in,
			changeChecks{allowed: allowed(sc, acc), pd: PersonalData{Scan: true, Confirmed: confirmed}})
		out.Before = before
		var refused *Refused
		var stale *StaleError
		if errors.As(err, &refused) || errors.As(err, &stale) {
			// Nothing was written: the form's data is read before the transaction rolls back.
			var ferr error
			if out.Form, ferr = LoadForm(ctx, tx, sc, acc, before.VisitID, false); ferr != nil {
				return ferr
			}
		}
		if err != nil {
			return err
		}
		out.Saved = true
		if err := attachFiles(ctx, tx, sc.TenantID, sc.ReviewID, before.ID, sc.UserID, in.Files); err != nil {
			return err
		}
		if len(found) > 0 {
			return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
				Action: "evidence.personal_data_confirmed", ObjectType: "evidence_note", ObjectID: before.ID,
				After: map[string]any{"personal_data_confirmed": Kinds(found)}})
		}
		return nil
	})
	var refused *Refused
	if errors.As(err, &refused) {
		// Refused: the form again with why, as ChangeNote answered before (Saved false, no error).
		out.Errors, out.Findings = refused.Errors, refused.Found
		if out.Errors == nil {
			out.Errors = &form.Errors{}
		}
		return out, nil
	}
	return out, err
}

// DeleteNote deletes a note (softly: it can be restored).
func DeleteNote(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID string) (Note, error) {
	var n Note
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if n, err = Load(ctx, tx, sc, acc, noteID, true); err != nil {
			return err
		}
		return SoftDelete(ctx, tx, sc.TenantID, sc.ReviewID, n.ID, sc.UserID)
	})
	return n, err
}

// Deleted is what the page of a deleted note shows; Restored says the note is not deleted
// (undone already, or never deleted), when the note itself is to be shown instead.
type Deleted struct {
	Note     Note
	Review   visit.ReviewInfo
	Restored bool
}

func loadDeleted(ctx context.Context, tx pgx.Tx, sc db.Scope, acc *auth.ReviewAccess, noteID string) (Deleted, error) {
	var d Deleted
	var err error
	if d.Note, err = Load(ctx, tx, sc, acc, noteID, true); err != nil {
		return d, err
	}
	if d.Note.DeletedAt == nil {
		d.Restored = true
		return d, nil
	}
	d.Review, err = visit.GetReview(ctx, tx, sc.TenantID, d.Note.ReviewID)
	return d, err
}

// DeletedNotePage reads the page that offers to undo a delete.
func DeletedNotePage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID string) (Deleted, error) {
	var d Deleted
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		d, err = loadDeleted(ctx, tx, sc, acc, noteID)
		return err
	})
	return d, err
}

// EraseNote erases a deleted note for good, with the lead's reason. A reason missing or too long
// answers *form.Refused with the deleted note's page (a note not deleted: a conflict).
func EraseNote(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID, reason string) (Deleted, error) {
	var d Deleted
	if !db.ValidUUID(noteID) {
		return d, notFound()
	}
	reason = strings.TrimSpace(reason)
	errs := &form.Errors{}
	switch n := len([]rune(reason)); {
	case n == 0:
		errs.Add("reason", "Say why the note is erased")
	case n > MaxEraseReason:
		errs.Add("reason", fmt.Sprintf("The reason must be %d characters or fewer", MaxEraseReason))
	}
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if errs.Any() {
			d, err = loadDeleted(ctx, tx, sc, acc, noteID)
			return err
		}
		d.Note, _, err = Erase(ctx, tx, sc.TenantID, sc.ReviewID, noteID, sc.UserID, sc.Email, reason, allowed(sc, acc))
		return err
	})
	if err != nil {
		return d, err
	}
	if errs.Any() {
		if d.Restored {
			return d, apperr.Conflict(NotDeletedMessage)
		}
		return d, &form.Refused{Errors: errs}
	}
	return d, nil
}

// RestoreNote undoes the deletion of a note.
func RestoreNote(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID string) (Note, error) {
	if !db.ValidUUID(noteID) {
		return Note{}, notFound()
	}
	var n Note
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		n, err = Restore(ctx, tx, sc.TenantID, sc.ReviewID, noteID, sc.UserID, allowed(sc, acc))
		return err
	})
	return n, err
}

// NoteView is a note's page: the note, its form's data (for the names of what it links), who wrote
// it and its history, and for a concern its actions.
type NoteView struct {
	Note    Note
	Form    Form
	Author  string
	History []Change
	Concern *Concern
	Files   []NoteFile
}

// LoadPage reads a note's page in tx.
func LoadPage(ctx context.Context, tx pgx.Tx, sc db.Scope, acc *auth.ReviewAccess, noteID string) (NoteView, error) {
	var p NoteView
	var err error
	if p.Note, err = Load(ctx, tx, sc, acc, noteID, true); err != nil {
		return p, err
	}
	if p.Form, err = LoadForm(ctx, tx, sc, acc, p.Note.VisitID, false); err != nil {
		return p, err
	}
	if p.Files, err = Files(ctx, tx, sc.TenantID, p.Note.ID); err != nil {
		return p, err
	}
	if p.Author, p.History, err = NoteTrail(ctx, tx, sc.TenantID, p.Note.ID, p.Note.AuthorID); err != nil {
		return p, err
	}
	if p.Note.Safeguarding {
		c, err := GetConcern(ctx, tx, sc.TenantID, sc.ReviewID, p.Note.ID)
		if err != nil {
			return p, err
		}
		p.Concern = &c
	}
	return p, nil
}

// NotePage reads a note's page.
func NotePage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, noteID string) (NoteView, error) {
	var p NoteView
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		p, err = LoadPage(ctx, tx, sc, acc, noteID)
		return err
	})
	return p, err
}

// VisitView is what a visit's page says of its notes: the reader's (Notes) and whether the evidence
// takes new ones (Locked), for the review's staff; the visit alone for a contact.
type VisitView struct {
	Review visit.ReviewInfo
	Visit  visit.Visit
	Notes  VisitNotes
	Locked bool
}

// VisitPage reads a visit's page: staff see its notes; those who record see whether new notes
// are refused.
func VisitPage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, acc *auth.ReviewAccess, visitID string) (VisitView, error) {
	var v VisitView
	staff := acc != nil && acc.Role != auth.ReviewContact
	record := acc != nil && (acc.Role == auth.ReviewLead || acc.Role == auth.ReviewInspector)
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if v.Review, v.Visit, err = visit.Load(ctx, tx, sc, acc, visitID); err != nil || !staff {
			return err
		}
		if v.Notes, err = ForVisit(ctx, tx, sc.TenantID, v.Visit.ID, sc.UserID); err != nil || !record {
			return err
		}
		l, err := GetLock(ctx, tx, sc.TenantID, sc.ReviewID)
		v.Locked = l.Status.Verdict(review.ChangeEvidence, l.Locked()) != nil
		return err
	})
	return v, err
}

// Base is one page of the evidence base with the filter's choices.
type Base struct {
	Options FilterOptions
	Page    Page
}

// BasePage reads the filter's choices and, unless the filter was refused (invalid), one page of
// the notes it selects.
func BasePage(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, f Filter, invalid bool) (Base, error) {
	var b Base
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		var err error
		if b.Options, err = FilterChoices(ctx, tx, sc.TenantID, sc.ReviewID); err != nil || invalid {
			return err
		}
		b.Page, err = List(ctx, tx, sc.TenantID, sc.ReviewID, f)
		return err
	})
	return b, err
}

// StreamCSV writes the notes filter f selects as CSV to the writer start returns, called with the
// review's title once it is known (to name the download), every row straight from the database.
// started reports whether start was called: after it an error cannot be shown as a page.
func StreamCSV(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, f Filter, start func(title string) io.Writer) (started bool, err error) {
	err = db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		rev, err := visit.GetReview(ctx, tx, sc.TenantID, sc.ReviewID)
		if err != nil {
			return err
		}
		w := start(rev.Title)
		started = true
		return ExportCSV(ctx, tx, sc.TenantID, sc.ReviewID, f, w)
	})
	return started, err
}
