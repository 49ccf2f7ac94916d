// Package dbtest gives each test its own migrated PostgreSQL database, cloned from a template
// (pgtestdb), on a private server that the first test starts (internal/devdb). Tests therefore
// run in parallel against real PostgreSQL.
package dbtest

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/peterldowns/pgtestdb"
	"github.com/peterldowns/pgtestdb/migrators/goosemigrator"

	"thematic/internal/db"
	"thematic/internal/devdb"
	"thematic/migrations"
)

// DB is one test's database, reachable as the migration owner and as the application role.
type DB struct {
	Owner    *pgxpool.Pool // thematic_owner: owns the tables, as migrations and the command line do
	App      *pgxpool.Pool // thematic_app: what the server uses; RLS applies in full
	Super    *pgxpool.Pool // the superuser, which RLS does not bind: for tests to inspect any row
	OwnerURL string
	AppURL   string
}

var (
	once   sync.Once
	server devdb.Server
	srvErr error
)

// Server starts (or reuses) the test PostgreSQL server.
func Server(t testing.TB) devdb.Server {
	t.Helper()
	once.Do(func() {
		dir := os.Getenv("THEMATIC_TEST_DATA")
		if dir == "" {
			dir = filepath.Join(repoRoot(), ".data", "test")
		}
		server, srvErr = devdb.Ensure(context.Background(), devdb.Options{Dir: dir, Fast: true})
	})
	if srvErr != nil {
		t.Fatalf("dbtest: start PostgreSQL: %v", srvErr)
	}
	return server
}

// New returns a fresh, migrated database for this test; it is dropped when the test ends.
func New(t testing.TB) *DB {
	t.Helper()
	srv := Server(t)
	conf := pgtestdb.Config{
		DriverName: "pgx",
		Host:       "127.0.0.1",
		Port:       strconv.Itoa(srv.Port),
		User:       "postgres",
		Password:   srv.Password,
		Database:   "postgres",
		Options:    "sslmode=disable",
		TestRole: &pgtestdb.Role{
			Username:     devdb.OwnerRole,
			Password:     srv.Password,
			Capabilities: "NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
		},
		ForceTerminateConnections: true,
	}
	m := goosemigrator.New(".", goosemigrator.WithFS(migrations.FS))
	c := pgtestdb.Custom(t, conf, m)
	d := &DB{OwnerURL: c.URL(), AppURL: withUser(c.URL(), devdb.AppRole, srv.Password)}
	ctx := context.Background()
	var err error
	if d.Owner, err = db.Open(ctx, d.OwnerURL, 4); err != nil {
		t.Fatalf("dbtest: owner pool: %v", err)
	}
	t.Cleanup(d.Owner.Close)
	if d.App, err = db.Open(ctx, d.AppURL, 8); err != nil {
		t.Fatalf("dbtest: app pool: %v", err)
	}
	t.Cleanup(d.App.Close)
	if d.Super, err = db.Open(ctx, withUser(c.URL(), "postgres", srv.Password), 2); err != nil {
		t.Fatalf("dbtest: superuser pool: %v", err)
	}
	t.Cleanup(d.Super.Close)
	return d
}

func withUser(raw, user, password string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	u.User = url.UserPassword(user, password)
	if u.Host == "" {
		u.Host = net.JoinHostPort("127.0.0.1", "5432")
	}
	return u.String()
}

// repoRoot finds the folder holding go.mod, so every package's tests share one server.
func repoRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if d == filepath.Dir(d) {
			return dir
		}
	}
}
