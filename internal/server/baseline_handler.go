package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/db"
	"thematic/internal/evidence"
)

// Where a server built with -tags loadbase mounts the load harness's two references (baseline.go);
// a normal build has neither route. DomainBaselinePath is the note save's domain function without
// HTTP session (BaselineHandler); BareBaselinePath is the bare insert (loadbase.BareHandler).
const (
	DomainBaselinePath = "/_baseline/domain-notes"
	BareBaselinePath   = "/_baseline/bare-notes"
)

// BaselineHandler saves a note as the note form's save (noteCreate) does, through the domain
// function evidence.RecordNote in the tenant and author's scope as the application role, with the
// inputs that handler passes. It has none of the rest: no session, CSRF check,
// authorisation, template or redirect; the ids come as form fields (tenant_id, review_id,
// visit_id, author_id, source_id, action_area_id, note_date YYYY-MM-DD, body, idempotency_key,
// and optionally tags, comma-separated, and judgement). It answers 204, or the error's status.
// The load harness (cmd/thematic-load) measures it beside the real form and the bare insert, to
// tell the HTTP and session cost from the domain's. It is mounted only in a build with
// -tags loadbase; tests reach it through this constructor.
func BaselineHandler(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		f := r.PostForm.Get
		in := evidence.NoteInput{VisitID: f("visit_id"), SourceID: f("source_id"), NoteDate: f("note_date"),
			Body: strings.ReplaceAll(f("body"), "\r\n", "\n"), Judgement: f("judgement"), Key: f("idempotency_key"),
			Tags: strings.Split(f("tags"), ",")}
		if in.Judgement == "" {
			in.Judgement = evidence.Neutral
		}
		if aa := f("action_area_id"); aa != "" {
			in.ActionAreas = []string{aa}
		}
		tenantID, reviewID, authorID := f("tenant_id"), f("review_id"), f("author_id")
		if !db.ValidUUID(tenantID) || !db.ValidUUID(reviewID) || !db.ValidUUID(authorID) {
			http.Error(w, "tenant_id, review_id and author_id must be ids", http.StatusBadRequest)
			return
		}
		_, err := evidence.RecordNote(r.Context(), pool, db.Scope{TenantID: tenantID, UserID: authorID, ReviewID: reviewID},
			nil, in, evidence.Recording{})
		var refused *evidence.Refused
		switch {
		case errors.As(err, &refused):
			http.Error(w, "not saved: "+strings.Join(refusedMessages(refused), "; "), http.StatusUnprocessableEntity)
		case err != nil:
			ev := errorView(err)
			http.Error(w, ev.Heading+": "+err.Error(), ev.Status)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
}

func refusedMessages(r *evidence.Refused) []string {
	var out []string
	for _, e := range r.Errors.List() {
		out = append(out, e.Field+": "+e.Message)
	}
	return out
}
