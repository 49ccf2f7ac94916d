// Package metrics holds the service's Prometheus metrics: HTTP requests by route pattern, the
// database pool, River's queues, mail delivery and refused sign-ins. Each Metrics has a registry
// of its own, not Prometheus's global one, so that tests can run many servers side by side. It is
// served on its own address (METRICS_ADDR), never the public one. docs/operations.md lists every
// metric with example alerts.
package metrics

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Unmatched is the route label of a request no route matched: the raw path is never a label, as
// every distinct path would make a series of its own.
const Unmatched = "unmatched"

// Why a sign-in was refused: the reason label of thematic_sign_in_failures_total.
const (
	WrongPassword = "wrong_password" // a known account, the wrong password
	UnknownEmail  = "unknown_email"  // no account has the email
	NoMembership  = "no_membership"  // the right password, but no active organisation
	Throttled     = "throttled"      // too many failures lately: not checked
	SecondFactor  = "second_factor"  // a wrong or used two-factor or recovery code, or too many
	SingleSignOn  = "single_sign_on" // the identity provider's answer refused (token, email, domain, membership)
)

var reasons = []string{WrongPassword, UnknownEmail, NoMembership, Throttled, SecondFactor, SingleSignOn}

// Metrics is one server's metrics. A nil *Metrics counts nothing, so code given none still runs.
type Metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	mailSent       *prometheus.CounterVec
	mailFailed     *prometheus.CounterVec
	mailGivenUp    *prometheus.CounterVec
	signInFailures *prometheus.CounterVec
	logger         *slog.Logger
}

// New makes the metrics of a server working on pool: the pool's statistics and River's queues
// are read from it when Prometheus scrapes (with a nil pool they are left out). logger (nil:
// slog's default) hears of failed scrapes.
func New(pool *pgxpool.Pool, logger *slog.Logger) *Metrics {
	if logger == nil {
		logger = slog.Default()
	}
	m := &Metrics{reg: prometheus.NewRegistry(), logger: logger}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "thematic_http_requests_total",
		Help: "HTTP requests answered, by method, route pattern (\"unmatched\" when no route matched) and status code.",
	}, []string{"method", "route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "thematic_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method and route pattern.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "route"})
	m.mailSent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "thematic_mail_sent_total",
		Help: "Queued messages delivered (to the SMTP relay, or the development mailbox), by kind of mail.",
	}, []string{"kind"})
	m.mailFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "thematic_mail_failed_total",
		Help: "Delivery attempts that failed, by kind of mail; River tries again until the last attempt.",
	}, []string{"kind"})
	m.mailGivenUp = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "thematic_mail_given_up_total",
		Help: "Messages whose last delivery attempt failed, by kind of mail: they will not be sent (audited as mail.failed).",
	}, []string{"kind"})
	m.signInFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "thematic_sign_in_failures_total",
		Help: "Sign-ins refused, by reason: wrong_password, unknown_email, no_membership, throttled, second_factor.",
	}, []string{"reason"})
	for _, r := range reasons {
		m.signInFailures.WithLabelValues(r) // every reason has a series from the start, for rate()
	}
	m.reg.MustRegister(m.requests, m.duration, m.mailSent, m.mailFailed, m.mailGivenUp, m.signInFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil { // nil in unit tests of the counters
		m.reg.MustRegister(poolCollector{pool}, riverCollector{pool: pool, logger: logger})
	}
	return m
}

// Gatherer is the registry, for tests that read values.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Handler serves the metrics in Prometheus's text format. A collector that fails (the database
// is down) is reported in the log and leaves out its series; the rest are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slog.NewLogLogger(m.logger.Handler(), slog.LevelWarn),
		Registry:      m.reg,
		Timeout:       10 * time.Second,
	})
}

// ObserveRequest counts one answered request. route is the route pattern ("" for none).
func (m *Metrics) ObserveRequest(method, route string, code int, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = Unmatched
	}
	method = knownMethod(method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(method, route).Observe(took.Seconds())
}

// knownMethod keeps the method label to the standard methods: a client may send any token.
func knownMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// MailDelivered counts one delivery attempt of a message of kind: sent when err is nil, else
// failed, and given up too when it was the last attempt.
func (m *Metrics) MailDelivered(kind string, err error, last bool) {
	if m == nil {
		return
	}
	switch {
	case err == nil:
		m.mailSent.WithLabelValues(kind).Inc()
	default:
		m.mailFailed.WithLabelValues(kind).Inc()
		if last {
			m.mailGivenUp.WithLabelValues(kind).Inc()
		}
	}
}

// SignInFailed counts a refused sign-in; reason is one of the constants above.
func (m *Metrics) SignInFailed(reason string) {
	if m == nil {
		return
	}
	m.signInFailures.WithLabelValues(reason).Inc()
}
