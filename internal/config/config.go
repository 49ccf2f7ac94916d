// Package config reads the configuration from the environment once, validates it, and passes it
// down. Every variable is documented in the README.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration.
type Config struct {
	Addr           string        // ADDR: where to listen
	BaseURL        string        // BASE_URL: how users reach the service, for links in mail
	DatabaseURL    string        // DATABASE_URL: owner role, runs migrations; unset → private server
	AppDatabaseURL string        // APP_DATABASE_URL: the restricted role the server uses
	DataDir        string        // DATA_DIR: where the private PostgreSQL lives when DATABASE_URL is unset
	Env            string        // APP_ENV: "development" or "production"
	SMTPURL        string        // SMTP_URL: smtp://user:pass@host:port; unset → development mailbox
	MailFrom       string        // MAIL_FROM
	MaxBodyBytes   int64         // MAX_BODY_BYTES: limit for form posts
	MaxUploadBytes int64         // MAX_UPLOAD_BYTES: limit for an uploaded document
	IdleTimeout    time.Duration // SESSION_IDLE_TIMEOUT
	Lifetime       time.Duration // SESSION_LIFETIME
	ShutdownGrace  time.Duration // SHUTDOWN_TIMEOUT
	ReadTimeout    time.Duration // READ_TIMEOUT: how long a client has to send a whole request
	DBMaxConns     int32         // DB_MAX_CONNS
	LogLevel       string        // LOG_LEVEL: debug, info, warn, error
	PprofAddr      string        // PPROF_ADDR: where Go's profiler listens (e.g. 127.0.0.1:6060); off when unset
	// MetricsAddr (METRICS_ADDR) is where Prometheus scrapes /metrics: a private address, never
	// the public one; "" when set to "off".
	MetricsAddr string
	// MemoryLimitMB (MEMORY_LIMIT_MB) is the server's soft memory limit in MiB when GOMEMLIMIT is
	// not set; 0 leaves the Go runtime's default (no limit).
	MemoryLimitMB int64
}

// DefaultMetricsAddr is METRICS_ADDR unless set: loopback only, and not 9090, which Prometheus
// itself listens on when it runs on the same host.
const DefaultMetricsAddr = "127.0.0.1:9464"

// Dev reports whether development conveniences (the mailbox page) are on.
func (c Config) Dev() bool { return c.Env == "development" }

// TLS reports whether users reach the service over HTTPS (Secure cookies, HSTS).
func (c Config) TLS() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// Load reads the environment through getenv (os.Getenv in production, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	var errs []error
	dur := func(k, def string) time.Duration {
		d, err := time.ParseDuration(get(k, def))
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive duration such as %q", k, def))
		}
		return d
	}
	num := func(k, def string) int64 {
		n, err := strconv.ParseInt(get(k, def), 10, 31) // fits every use, DB_MAX_CONNS (int32) included
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive whole number", k))
		}
		return n
	}
	c := Config{
		Addr:           get("ADDR", "localhost:8080"),
		BaseURL:        strings.TrimRight(get("BASE_URL", "http://localhost:8080"), "/"),
		DatabaseURL:    get("DATABASE_URL", ""),
		AppDatabaseURL: get("APP_DATABASE_URL", ""),
		DataDir:        get("DATA_DIR", ".data/dev"),
		Env:            get("APP_ENV", "development"),
		SMTPURL:        get("SMTP_URL", ""),
		MailFrom:       get("MAIL_FROM", "thematic <no-reply@thematic.localhost>"),
		MaxBodyBytes:   num("MAX_BODY_BYTES", "1048576"),
		MaxUploadBytes: num("MAX_UPLOAD_BYTES", "26214400"),
		IdleTimeout:    dur("SESSION_IDLE_TIMEOUT", "30m"),
		Lifetime:       dur("SESSION_LIFETIME", "12h"),
		ShutdownGrace:  dur("SHUTDOWN_TIMEOUT", "20s"),
		ReadTimeout:    dur("READ_TIMEOUT", "60s"),
		DBMaxConns:     int32(num("DB_MAX_CONNS", "20")),
		LogLevel:       get("LOG_LEVEL", "info"),
		PprofAddr:      get("PPROF_ADDR", ""),
		MetricsAddr:    get("METRICS_ADDR", DefaultMetricsAddr),
		MemoryLimitMB:  120,
	}
	if v := get("MEMORY_LIMIT_MB", ""); v != "" {
		n, err := strconv.ParseInt(v, 10, 31)
		if err != nil || n < 0 {
			errs = append(errs, errors.New("MEMORY_LIMIT_MB: want a whole number of MiB, or 0 for no limit"))
		}
		c.MemoryLimitMB = n
	}
	if strings.EqualFold(c.MetricsAddr, "off") {
		c.MetricsAddr = ""
	}
	if c.Env != "development" && c.Env != "production" {
		errs = append(errs, fmt.Errorf("APP_ENV: want development or production, got %q", c.Env))
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("BASE_URL: want an http(s) URL, got %q", c.BaseURL))
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") {
			errs = append(errs, errors.New("SMTP_URL: want smtp://user:password@host:port or smtps://…"))
		}
	}
	if c.Env == "production" && c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL: required in production"))
	}
	if c.IdleTimeout > c.Lifetime {
		errs = append(errs, errors.New("SESSION_IDLE_TIMEOUT: must not be longer than SESSION_LIFETIME"))
	}
	return c, errors.Join(errs...)
}
