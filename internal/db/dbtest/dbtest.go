// Package dbtest gives each test its own migrated PostgreSQL database, cloned from a template
// (pgtestdb), on a private server that the first test starts (internal/devdb). Tests therefore
// run in parallel against real PostgreSQL.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
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

// Seed is data to put in the template that a test's database is cloned from, so that tests
// sharing it do not each write it again. Key names the data: a template is reused only while the
// migrations and the Key are unchanged.
type Seed struct {
	Key string
	Run func(ctx context.Context, ownerURL string) error
}

// seeded runs the migrations, then the seed, once per template.
type seeded struct {
	pgtestdb.Migrator
	seed Seed
}

func (m seeded) Hash() (string, error) {
	h, err := m.Migrator.Hash()
	return h + " " + m.seed.Key, err
}

func (m seeded) Migrate(ctx context.Context, db *sql.DB, conf pgtestdb.Config) error {
	if err := m.Migrator.Migrate(ctx, db, conf); err != nil {
		return err
	}
	return m.seed.Run(ctx, conf.URL())
}

// New returns a fresh, migrated database for this test, with the seed's data if one is given; it
// is dropped when the test ends.
func New(t testing.TB, seed ...Seed) *DB {
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
	var m pgtestdb.Migrator = goosemigrator.New(".", goosemigrator.WithFS(migrations.FS))
	if len(seed) > 0 {
		m = seeded{Migrator: m, seed: seed[0]}
	}
	c := pgtestdb.Custom(redacting{t}, conf, m)
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

// redacting passes pgtestdb's log lines on without the database password: pgtestdb logs the
// test database's URL when a test fails.
type redacting struct{ testing.TB }

func (r redacting) Logf(format string, args ...any) {
	r.TB.Helper()
	r.TB.Log(redactURLs(fmt.Sprintf(format, args...)))
}

var urlPassword = regexp.MustCompile(`(postgres(?:ql)?://[^:/@\s]+:)[^@\s]+@`)

// redactURLs hides the password of every PostgreSQL URL in s.
func redactURLs(s string) string { return urlPassword.ReplaceAllString(s, "${1}xxxxx@") }

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

// Empty is a database with no migrations applied, owned by the migration owner, on the test
// server, as a fresh installation has: for tests of starting up (replicas migrating together). It
// is dropped when the test ends.
func Empty(t testing.TB) EmptyDB {
	t.Helper()
	srv := Server(t)
	ctx := context.Background()
	name := "empty_" + strings.ToLower(rand.Text())
	conn, err := pgx.Connect(ctx, srv.SuperURL("postgres"))
	if err != nil {
		t.Fatalf("dbtest: empty: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name+` OWNER `+devdb.OwnerRole); err != nil {
		t.Fatalf("dbtest: empty: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), srv.SuperURL("postgres"))
		if err != nil {
			t.Logf("dbtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Logf("dbtest: drop %s: %v", name, err)
		}
	})
	super := srv.SuperURL(name)
	return EmptyDB{OwnerURL: withUser(super, devdb.OwnerRole, srv.Password), AppURL: withUser(super, devdb.AppRole, srv.Password),
		SuperURL: super}
}

// EmptyDB is an unmigrated database's URLs: as the migration owner, the application role and the
// superuser (which row-level security does not bind, for a test to inspect any row).
type EmptyDB struct{ OwnerURL, AppURL, SuperURL string }
