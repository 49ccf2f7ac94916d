package config

import (
	"strings"
	"testing"
	"time"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(env())
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr:           "localhost:8080",
		BaseURL:        "http://localhost:8080",
		DataDir:        ".data/dev",
		Env:            "development",
		MailFrom:       "thematic <no-reply@thematic.localhost>",
		MaxBodyBytes:   1 << 20,
		MaxUploadBytes: 25 << 20,
		IdleTimeout:    30 * time.Minute,
		Lifetime:       12 * time.Hour,
		ShutdownGrace:  20 * time.Second,
		ReadTimeout:    time.Minute,
		DBMaxConns:     20,
		LogLevel:       "info",
		MetricsAddr:    "127.0.0.1:9464",
		MemoryLimitMB:  120,
	}
	if c != want {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if !c.Dev() || c.TLS() {
		t.Errorf("defaults: Dev=%v TLS=%v, want development without TLS", c.Dev(), c.TLS())
	}
}

func TestValuesAreReadAndTrimmed(t *testing.T) {
	t.Parallel()
	c, err := Load(env(
		"ADDR", " 0.0.0.0:9000 ",
		"BASE_URL", "https://thematic.example.gov.uk/",
		"DATABASE_URL", "postgres://owner@db/thematic",
		"APP_DATABASE_URL", "postgres://app@db/thematic",
		"APP_ENV", "production",
		"SMTP_URL", "smtps://user:pw@mail.example:465",
		"SESSION_IDLE_TIMEOUT", "15m",
		"SESSION_LIFETIME", "8h",
		"SHUTDOWN_TIMEOUT", "5s",
		"MAX_BODY_BYTES", "2048",
		"DB_MAX_CONNS", "7",
		"MEMORY_LIMIT_MB", " 0 ",
		"METRICS_ADDR", " 10.0.0.5:9464 ",
	))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.BaseURL != "https://thematic.example.gov.uk" || c.AppDatabaseURL != "postgres://app@db/thematic" ||
		c.IdleTimeout != 15*time.Minute || c.Lifetime != 8*time.Hour || c.ShutdownGrace != 5*time.Second ||
		c.MaxBodyBytes != 2048 || c.DBMaxConns != 7 || c.SMTPURL == "" || c.MemoryLimitMB != 0 ||
		c.MetricsAddr != "10.0.0.5:9464" {
		t.Errorf("config %+v", c)
	}
	if c.Dev() {
		t.Error("production reports Dev")
	}
}

func TestTLSFromBaseURL(t *testing.T) {
	t.Parallel()
	for base, tls := range map[string]bool{
		"https://thematic.example":      true,
		"https://thematic.example:8443": true,
		"http://thematic.example":       false,
		"http://localhost:8080":         false,
	} {
		c, err := Load(env("BASE_URL", base))
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		if c.TLS() != tls {
			t.Errorf("BASE_URL=%s: TLS()=%v, want %v", base, c.TLS(), tls)
		}
	}
}

func TestInvalidValuesNameTheVariable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		key, value string
		also       []string // other variables set for the case
	}{
		{key: "APP_ENV", value: "staging"},
		{key: "APP_ENV", value: "Production"},
		{key: "BASE_URL", value: "ftp://thematic.example"},
		{key: "BASE_URL", value: "thematic.example"},
		{key: "BASE_URL", value: "https://"},
		{key: "BASE_URL", value: "http://[::1"},
		{key: "SESSION_IDLE_TIMEOUT", value: "thirty minutes"},
		{key: "SESSION_IDLE_TIMEOUT", value: "0s"},
		{key: "SESSION_IDLE_TIMEOUT", value: "-5m"},
		{key: "SESSION_IDLE_TIMEOUT", value: "30"},
		{key: "SESSION_LIFETIME", value: "forever"},
		{key: "SESSION_LIFETIME", value: "-1h"},
		{key: "SHUTDOWN_TIMEOUT", value: "soon"},
		{key: "MAX_BODY_BYTES", value: "1MB"},
		{key: "MAX_BODY_BYTES", value: "0"},
		{key: "DB_MAX_CONNS", value: "-3"},
		{key: "MEMORY_LIMIT_MB", value: "-1"},
		{key: "MEMORY_LIMIT_MB", value: "120MB"},
		{key: "SMTP_URL", value: "http://mail.example"},
		// An idle timeout longer than the whole session is refused.
		{key: "SESSION_IDLE_TIMEOUT", value: "13h"},
	} {
		_, err := Load(env(c.key, c.value))
		if err == nil {
			t.Errorf("%s=%q accepted", c.key, c.value)
			continue
		}
		if !strings.Contains(err.Error(), c.key) {
			t.Errorf("%s=%q: error %q does not name the variable", c.key, c.value, err)
		}
	}
}

func TestSeveralErrorsAreAllReported(t *testing.T) {
	t.Parallel()
	_, err := Load(env("APP_ENV", "test", "BASE_URL", "nope", "SESSION_LIFETIME", "x"))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, k := range []string{"APP_ENV", "BASE_URL", "SESSION_LIFETIME"} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error %q does not mention %s", err, k)
		}
	}
}

func TestProductionNeedsDatabaseURL(t *testing.T) {
	t.Parallel()
	_, err := Load(env("APP_ENV", "production"))
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("production without DATABASE_URL: %v, want a refusal naming DATABASE_URL", err)
	}
	// Whitespace alone does not count as set.
	_, err = Load(env("APP_ENV", "production", "DATABASE_URL", "   "))
	if err == nil {
		t.Error("production with a blank DATABASE_URL accepted")
	}
	if _, err := Load(env("APP_ENV", "production", "DATABASE_URL", "postgres://owner@db/thematic")); err != nil {
		t.Errorf("production with DATABASE_URL: %v", err)
	}
	// Development may leave it unset: a private server is started.
	if _, err := Load(env("APP_ENV", "development")); err != nil {
		t.Errorf("development without DATABASE_URL: %v", err)
	}
}

// TestMetricsCanBeTurnedOff: METRICS_ADDR=off (any case) serves no metrics at all.
func TestMetricsCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"off", "OFF", " Off "} {
		c, err := Load(env("METRICS_ADDR", v))
		if err != nil || c.MetricsAddr != "" {
			t.Errorf("METRICS_ADDR=%q: %q %v, want off", v, c.MetricsAddr, err)
		}
	}
}
