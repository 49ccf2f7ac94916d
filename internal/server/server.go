// Package server holds the HTTP routes, middleware and handlers. Handlers are thin: they parse,
// call the domain packages, and render or redirect.
package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/auth"
	"thematic/internal/config"
	"thematic/internal/db"
	"thematic/internal/document"
	"thematic/internal/mail"
	"thematic/internal/metrics"
	"thematic/internal/session"
)

// Server holds what handlers share. It keeps no state of its own that matters: sessions, rate
// limits and mail all live in PostgreSQL.
type Server struct {
	cfg      config.Config
	pool     *pgxpool.Pool
	sessions *scs.SessionManager
	store    session.Store
	log      *slog.Logger
	now      func() time.Time
	perms    map[string]auth.Permission // "GET /path/{id}" → what it needs, filled by the route table
	handler  http.Handler
	scan     document.Scanner // checks uploaded files; nil accepts everything
	metrics  *metrics.Metrics // served on METRICS_ADDR by main, never by the route table
}

// Options carry the collaborators; zero values get defaults.
// Mail is not among them: commands queue it (mail.Enqueue) and the background jobs' worker sends it.
type Options struct {
	Logger         *slog.Logger
	Now            func() time.Time
	SessionCleanup time.Duration // how often expired sessions are deleted; 0 never (tests)
	// Metrics counts requests and refused sign-ins; nil makes the server its own (Metrics()).
	Metrics *metrics.Metrics
}

// New builds the server and its route table.
func New(cfg config.Config, pool *pgxpool.Pool, o Options) *Server {
	s := &Server{cfg: cfg, pool: pool, log: o.Logger, now: o.Now, perms: map[string]auth.Permission{}, metrics: o.Metrics}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.metrics == nil {
		s.metrics = metrics.New(pool, s.log)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.store = session.NewStore(pool, o.SessionCleanup)
	sm := scs.New()
	sm.Store = s.store
	// The idle timeout is checked by loadActor (stillActive), which writes the session only when
	// its last-seen time is stale; the manager's own would write it on every request.
	sm.Lifetime = cfg.Lifetime
	sm.Cookie.Name = "thematic_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false
	if cfg.TLS() {
		// __Host- cookies must be Secure, host-only and for path /.
		sm.Cookie.Name = "__Host-thematic_session"
		sm.Cookie.Secure = true
	}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		// The session store is the database: an outage there is a 503 like any other.
		s.renderError(w, r, db.MapError(err))
	}
	s.sessions = sm
	s.handler = s.routes()
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Links in mail queued deep in a command (a safeguarding notice) point here.
	s.handler.ServeHTTP(w, r.WithContext(mail.WithBaseURL(r.Context(), s.cfg.BaseURL)))
}

// Close stops background work (the session cleanup).
func (s *Server) Close() { s.store.StopCleanup() }

// Metrics are the server's metrics, for main to serve on their own address and for tests.
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// Router exposes the route table, for tests that walk every route.
func (s *Server) Router() chi.Routes { return s.handler.(chi.Routes) }

// Permissions returns what each registered route needs, keyed "METHOD pattern".
func (s *Server) Permissions() map[string]auth.Permission { return s.perms }

// scopeOf is who the request acts for, in which tenant and review: what commands take.
func scopeOf(r *http.Request) db.Scope {
	a := actorFrom(r.Context())
	if a == nil {
		return db.Scope{}
	}
	sc := db.Scope{TenantID: a.TenantID, UserID: a.UserID, Email: a.Email}
	if a.Review != nil {
		sc.ReviewID = a.Review.ReviewID
	}
	return sc
}
