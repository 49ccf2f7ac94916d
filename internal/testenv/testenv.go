// Package testenv starts the whole service for tests: a fresh database with the demo data and the
// HTTP server on a random loopback port. Handler tests and browser tests share it.
package testenv

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"thematic/internal/config"
	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
	"thematic/internal/server"
)

// Env is a running service.
type Env struct {
	DB     *dbtest.DB
	Server *server.Server
	HTTP   *httptest.Server
	Config config.Config
}

// URL is the service's base address, such as http://127.0.0.1:41234.
func (e *Env) URL() string { return e.HTTP.URL }

// New starts the service over a fresh database seeded with the demo data; mods may change the
// configuration first. Everything stops when the test ends.
func New(t testing.TB, mods ...func(*config.Config)) *Env {
	t.Helper()
	d := dbtest.New(t)
	if err := demo.Seed(context.Background(), d.Owner); err != nil {
		t.Fatalf("testenv: seed: %v", err)
	}
	cfg, err := config.Load(func(k string) string { return map[string]string{"DATABASE_URL": d.OwnerURL}[k] })
	if err != nil {
		t.Fatalf("testenv: config: %v", err)
	}
	ts := httptest.NewUnstartedServer(nil)
	cfg.BaseURL = "http://" + ts.Listener.Addr().String()
	for _, m := range mods {
		m(&cfg)
	}
	srv := server.New(cfg, d.App, server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(srv.Close)
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)
	return &Env{DB: d, Server: srv, HTTP: ts, Config: cfg}
}
