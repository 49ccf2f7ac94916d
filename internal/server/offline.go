package server

import (
	"encoding/json"
	"net/http"
	"time"

	"thematic/internal/auth"
	"thematic/internal/visit"
	"thematic/templates/layout"
	"thematic/web"
)

// The offline app shell. The service worker (web/static/sw.js) keeps on the device what
// GET /offline/plan lists for the signed-in user, and only responses marked with web.KeepHeader:
// the shell (styles, scripts, fonts, icons, the /offline page) and, for each current or upcoming
// visit the user is on the team of as a lead or inspector, the visit's page and its note form.
// The worker asks for those pages with the request header X-Thematic-Offline: fetch, and gets a
// copy made to be kept: only the user's own notes that are not safeguarding concerns, no
// safeguarding banner, no flash message (which stays for the page the user opens next).

const (
	// offlineKeepDays is the longest a page stays on a device without being refreshed.
	offlineKeepDays = 14
	// offlineAfterVisitDays is how long a visit's pages stay after its last day.
	offlineAfterVisitDays = 2
	// offlineAheadDays is how far ahead an upcoming visit is kept.
	offlineAheadDays = 14
)

// offlineFetch reports whether r is the service worker asking for a copy to keep.
func offlineFetch(r *http.Request) bool { return r.Header.Get(web.KeepHeader) == "fetch" }

// markKept tells the worker it may keep this response.
func markKept(w http.ResponseWriter) {
	w.Header().Set(web.KeepHeader, "keep")
	w.Header().Set("Cache-Control", "private, no-cache")
}

type offlinePlan struct {
	User      string        `json:"user"`
	KeepUntil time.Time     `json:"keepUntil"`
	Shell     []string      `json:"shell"`
	Pages     []offlinePage `json:"pages"`
}

type offlinePage struct {
	URL   string    `json:"url"`
	Kind  string    `json:"kind"` // "visit" or "note-form"
	Title string    `json:"title"`
	Dates string    `json:"dates"`
	Until time.Time `json:"until"`
	// The visit's first and last days (2006-01-02): a kept note form opened on a later day
	// offers that day when it falls within the visit (notes.js).
	Start string `json:"start"`
	End   string `json:"end"`
}

// offlineVisits are the visits whose pages the user may keep: on the team as a lead or inspector,
// not over, and starting within offlineAheadDays.
func offlineVisits(visits []visit.Visit, userID string, now time.Time) []visit.Visit {
	today := now.UTC().Truncate(24 * time.Hour)
	var out []visit.Visit
	for _, v := range visits {
		m, on := v.Member(userID)
		if !on || (m.Role != auth.ReviewLead && m.Role != auth.ReviewInspector) || !v.HasStart() {
			continue
		}
		if v.End().Before(today) || v.Start.After(today.AddDate(0, 0, offlineAheadDays)) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// keptVisit reports whether the user may keep the visit's pages.
func keptVisit(v visit.Visit, userID string, now time.Time) bool {
	return len(offlineVisits([]visit.Visit{v}, userID, now)) == 1
}

func (s *Server) offlinePlan(w http.ResponseWriter, r *http.Request) error {
	sc := scopeOf(r)
	visits, err := visit.Own(r.Context(), s.pool, sc)
	if err != nil {
		return err
	}
	now := time.Now()
	plan := offlinePlan{User: sc.UserID, KeepUntil: now.AddDate(0, 0, offlineKeepDays).UTC(), Shell: web.Shell(),
		Pages: []offlinePage{}}
	for _, v := range offlineVisits(visits, sc.UserID, now) {
		until := v.End().AddDate(0, 0, offlineAfterVisitDays+1) // the end of the visit's last day, plus two days
		if until.After(plan.KeepUntil) {
			until = plan.KeepUntil
		}
		base := "/reviews/" + v.ReviewID + "/visits/" + v.ID
		title := "Visit to " + v.AreaName
		plan.Pages = append(plan.Pages,
			offlinePage{URL: base, Kind: "visit", Title: title, Dates: v.DateRange() + " – " + v.ReviewTitle, Until: until},
			offlinePage{URL: base + "/notes/new", Kind: "note-form", Title: "Record a note: " + title, Dates: v.DateRange(), Until: until,
				Start: v.Start.Format(time.DateOnly), End: v.End().Format(time.DateOnly)})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(plan)
}

// offlinePage is what a page the device has not kept says when there is no connection.
func (s *Server) offlineShow(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "You are offline")
	// The same for everyone: nobody's name, no token, nothing of a review.
	p.Actor, p.CSRF, p.Flash, p.OpenConcerns, p.ConcernsURL, p.ManyTenants, p.IdleSeconds = nil, "", "", 0, "", false, 0
	markKept(w)
	return s.ok(w, r, layout.Offline(p))
}

// sessionCSRF gives the session's current token, for a note queued from a kept form (whose own
// token may be from an earlier session) to be sent with.
func (s *Server) sessionCSRF(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(map[string]string{"token": s.csrfToken(r.Context())})
}
