package deploy

import (
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// root is the repository's root, two folders up from this file.
func root(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), rel))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return string(b)
}

// compose is the part of docker-compose.yml the checks read. Lists and maps are both allowed where
// Compose allows both, so they are decoded loosely and normalised by the helpers below.
type compose struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

type service struct {
	Image       string         `yaml:"image"`
	Build       any            `yaml:"build"`
	Environment any            `yaml:"environment"`
	Volumes     []any          `yaml:"volumes"`
	DependsOn   any            `yaml:"depends_on"`
	Healthcheck map[string]any `yaml:"healthcheck"`
	Ports       []any          `yaml:"ports"`
	Profiles    []string       `yaml:"profiles"`
	Entrypoint  any            `yaml:"entrypoint"`
}

var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}`)

// expand applies Compose's ${VAR:-default} with an empty environment, so the checks see what
// `docker compose up` gives on a machine with nothing set.
func expand(s string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		return interpolation.FindStringSubmatch(m)[2]
	})
}

// env returns a service's environment as a map, whichever form the file uses.
func (s service) env(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	switch e := s.Environment.(type) {
	case nil:
	case map[string]any:
		for k, v := range e {
			if v == nil {
				out[k] = ""
				continue
			}
			out[k] = expand(strings.TrimSpace(stringOf(v)))
		}
	case []any:
		for _, item := range e {
			k, v, _ := strings.Cut(stringOf(item), "=")
			out[k] = expand(v)
		}
	default:
		t.Fatalf("environment: unexpected form %T", e)
	}
	return out
}

func stringOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		b, _ := yaml.Marshal(v)
		return strings.TrimSpace(string(b))
	}
}

func loadCompose(t *testing.T) compose {
	t.Helper()
	var c compose
	if err := yaml.Unmarshal([]byte(read(t, "docker-compose.yml")), &c); err != nil {
		t.Fatalf("parse docker-compose.yml: %v", err)
	}
	for _, name := range []string{"db", "app"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("docker-compose.yml: no %q service", name)
		}
	}
	return c
}

// mounts returns a service's volume mounts as target → source, from short or long syntax.
func (s service) mounts() map[string]string {
	out := map[string]string{}
	for _, v := range s.Volumes {
		switch v := v.(type) {
		case string:
			parts := strings.Split(v, ":")
			if len(parts) >= 2 {
				out[parts[1]] = parts[0]
			}
		case map[string]any:
			out[stringOf(v["target"])] = stringOf(v["source"])
		}
	}
	return out
}

func TestComposeDatabase(t *testing.T) {
	c := loadCompose(t)
	db := c.Services["db"]

	if !strings.HasPrefix(db.Image, "postgres:16") {
		t.Errorf("db image = %q, want postgres:16", db.Image)
	}

	test, ok := db.Healthcheck["test"]
	if !ok || len(strings.TrimSpace(stringOf(test))) == 0 {
		t.Errorf("db has no healthcheck test command (app waits for service_healthy)")
	} else if !strings.Contains(stringOf(test), "pg_isready") {
		t.Errorf("db healthcheck %v does not run pg_isready", test)
	}

	mounts := db.mounts()
	vol, ok := mounts["/var/lib/postgresql/data"]
	switch {
	case !ok:
		t.Errorf("db: nothing mounted at /var/lib/postgresql/data; the data would die with the container")
	case strings.HasPrefix(vol, ".") || strings.HasPrefix(vol, "/"):
		t.Errorf("db data at %q is a bind mount, want a named volume", vol)
	default:
		if _, declared := c.Volumes[vol]; !declared {
			t.Errorf("db data volume %q is not declared under the top-level volumes", vol)
		}
	}

	if src, ok := mounts["/docker-entrypoint-initdb.d"]; !ok || filepath.Clean(src) != "deploy/postgres-init" {
		t.Errorf("db: deploy/postgres-init is not mounted at /docker-entrypoint-initdb.d (got %q)", src)
	}
}

func TestComposeApp(t *testing.T) {
	c := loadCompose(t)
	app := c.Services["app"]

	if app.Build == nil {
		t.Errorf("app has no build: it should be built from the Dockerfile")
	}

	deps, _ := app.DependsOn.(map[string]any)
	dbDep, _ := deps["db"].(map[string]any)
	if cond := stringOf(dbDep["condition"]); cond != "service_healthy" {
		t.Errorf("app depends_on db condition = %q, want service_healthy (migrations run at start)", cond)
	}

	env := app.env(t)
	if env["APP_ENV"] != "production" {
		t.Errorf("app APP_ENV = %q, want production", env["APP_ENV"])
	}
	if host, _, _ := strings.Cut(env["ADDR"], ":"); env["ADDR"] != "" && host != "0.0.0.0" && host != "" {
		t.Errorf("app ADDR = %q: a container must listen on all its interfaces", env["ADDR"])
	}
	owner := parseURL(t, "DATABASE_URL", env["DATABASE_URL"])
	appURL := parseURL(t, "APP_DATABASE_URL", env["APP_DATABASE_URL"])
	if owner == nil || appURL == nil {
		return
	}
	if u := appURL.User.Username(); u != "thematic_app" {
		t.Errorf("APP_DATABASE_URL user = %q, want thematic_app (the role row-level security binds)", u)
	}
	if u := owner.User.Username(); u != "thematic_owner" {
		t.Errorf("DATABASE_URL user = %q, want thematic_owner (it runs the migrations)", u)
	}
	for name, u := range map[string]*url.URL{"DATABASE_URL": owner, "APP_DATABASE_URL": appURL} {
		if u.Hostname() != "db" {
			t.Errorf("%s host = %q, want the db service", name, u.Hostname())
		}
		if u.Path != "/thematic" {
			t.Errorf("%s database = %q, want /thematic", name, u.Path)
		}
	}

	// The passwords in the URLs must be those the init script gives the roles.
	dbEnv := c.Services["db"].env(t)
	if p, _ := owner.User.Password(); p == "" || p != dbEnv["THEMATIC_OWNER_PASSWORD"] {
		t.Errorf("DATABASE_URL password %q does not match the db's THEMATIC_OWNER_PASSWORD %q", p, dbEnv["THEMATIC_OWNER_PASSWORD"])
	}
	if p, _ := appURL.User.Password(); p == "" || p != dbEnv["THEMATIC_APP_PASSWORD"] {
		t.Errorf("APP_DATABASE_URL password %q does not match the db's THEMATIC_APP_PASSWORD %q", p, dbEnv["THEMATIC_APP_PASSWORD"])
	}
	if dbEnv["THEMATIC_OWNER_PASSWORD"] == dbEnv["THEMATIC_APP_PASSWORD"] {
		t.Errorf("the owner and app roles share a default password")
	}
}

func parseURL(t *testing.T, name, s string) *url.URL {
	t.Helper()
	if s == "" {
		t.Errorf("app: %s is not set", name)
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.User == nil {
		t.Errorf("app: %s = %q is not a postgres:// URL with a user (%v)", name, s, err)
		return nil
	}
	return u
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY, …
	args string
}

func parseDockerfile(src string) (stages [][]instruction) {
	var joined []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		joined = append(joined, cur.String())
		cur.Reset()
	}
	for _, l := range joined {
		cmd, args, _ := strings.Cut(l, " ")
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	return stages
}

func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(read(t, "Dockerfile"))
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a multi-stage build (assets and Go build, then runtime)", len(stages))
	}
	final := stages[len(stages)-1]
	builds := stages[:len(stages)-1]

	// The final stage runs as an unprivileged user.
	var user string
	for _, in := range final {
		if in.cmd == "USER" {
			user = in.args
		}
	}
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "root" || name == "0" {
		t.Errorf("final stage USER = %q, want a non-root user", user)
	}

	// GOV.UK Frontend is copied into web/static/govuk before the binary (which embeds it) is built.
	var built string
	var assetsCopied []string
	for _, st := range builds {
		for _, in := range st {
			if (in.cmd == "COPY" || in.cmd == "RUN") && strings.Contains(in.args, "web/static/govuk") {
				for _, f := range []string{"govuk-frontend.min.css", "govuk-frontend.min.js", "assets"} {
					if strings.Contains(in.args, "govuk-frontend/dist/govuk/"+f) {
						assetsCopied = append(assetsCopied, f)
					}
				}
			}
			if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
				if len(assetsCopied) < 3 {
					t.Errorf("go build runs before GOV.UK Frontend is copied in (copied so far: %v)", assetsCopied)
				}
				built = in.args
			}
		}
	}
	for _, f := range []string{"govuk-frontend.min.css", "govuk-frontend.min.js", "assets"} {
		if !slices.Contains(assetsCopied, f) {
			t.Errorf("the build does not copy GOV.UK Frontend's %s into web/static/govuk", f)
		}
	}
	if built == "" {
		t.Fatalf("no build stage runs go build")
	}
	if !strings.Contains(built, "./cmd/thematic") {
		t.Errorf("go build does not build ./cmd/thematic: %s", built)
	}
	cgoOff := strings.Contains(built, "CGO_ENABLED=0")
	for _, st := range builds {
		for _, in := range st {
			if in.cmd == "ENV" && strings.Contains(in.args, "CGO_ENABLED=0") {
				cgoOff = true
			}
		}
	}
	if !cgoOff {
		t.Errorf("go build without CGO_ENABLED=0: the binary would not run on a static base image")
	}
	out := regexp.MustCompile(`-o\s+(\S+)`).FindStringSubmatch(built)
	if out == nil {
		t.Fatalf("go build names no output (-o): %s", built)
	}

	// The final stage copies that binary in and runs it.
	var binary, entrypoint string
	for _, in := range final {
		switch in.cmd {
		case "COPY":
			f := strings.Fields(in.args)
			if len(f) >= 3 && strings.HasPrefix(f[0], "--from=") && f[1] == out[1] {
				binary = f[2]
			}
		case "ENTRYPOINT":
			entrypoint = in.args
		}
	}
	if binary == "" {
		t.Errorf("the final stage does not copy the built binary %s", out[1])
	}
	if ep := strings.Trim(strings.TrimSpace(entrypoint), "[]"); binary == "" || !strings.HasPrefix(ep, `"`+binary+`"`) {
		t.Errorf("ENTRYPOINT %s does not run the binary %q (exec form)", entrypoint, binary)
	}

	// The container listens on all interfaces (the default, localhost, is unreachable from outside).
	var env string
	for _, in := range final {
		if in.cmd == "ENV" {
			env += " " + in.args
		}
	}
	if !strings.Contains(env, "ADDR=0.0.0.0:") {
		t.Errorf("final stage does not set ADDR=0.0.0.0:…; got ENV%s", env)
	}
	if !strings.Contains(env, "APP_ENV=production") {
		t.Errorf("final stage does not set APP_ENV=production; got ENV%s", env)
	}
}

func TestDockerignore(t *testing.T) {
	var lines []string
	for _, l := range strings.Split(read(t, ".dockerignore"), "\n") {
		lines = append(lines, strings.Trim(strings.TrimSpace(l), "/"))
	}
	// .data holds the local clusters and their password files; the others are rebuilt in the image.
	for _, want := range []string{".data", ".git", "node_modules", "bin", "web/static/govuk"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore does not exclude %s", want)
		}
	}
}

// roleStatement finds the CREATE ROLE statement for name.
func roleStatement(t *testing.T, script, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?is)CREATE\s+ROLE\s+"?` + name + `"?\s[^;]*;`).FindString(script)
	if m == "" {
		t.Fatalf("init script does not create role %s", name)
	}
	return strings.ToUpper(m)
}

func words(stmt string) []string {
	return strings.FieldsFunc(stmt, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
	})
}

func TestInitScriptRoles(t *testing.T) {
	script := read(t, "deploy/postgres-init/01-roles.sh")
	for _, role := range []string{"thematic_app", "thematic_owner"} {
		w := words(roleStatement(t, script, role))
		for _, want := range []string{"LOGIN", "NOSUPERUSER", "NOBYPASSRLS"} {
			if !slices.Contains(w, want) {
				t.Errorf("%s is created without %s", role, want)
			}
		}
		for _, bad := range []string{"SUPERUSER", "BYPASSRLS"} {
			if slices.Contains(w, bad) {
				t.Errorf("%s is created with %s", role, bad)
			}
		}
	}
	if !regexp.MustCompile(`(?i)CREATE\s+DATABASE\s+thematic\s+OWNER\s+thematic_owner`).MatchString(script) {
		t.Errorf("init script does not create the thematic database owned by thematic_owner")
	}
	if regexp.MustCompile(`(?i)(ALTER|CREATE)\s+ROLE\s+thematic_app[^;]*\b(SUPERUSER|BYPASSRLS)\b`).MatchString(
		regexp.MustCompile(`(?i)\bNO(SUPERUSER|BYPASSRLS)\b`).ReplaceAllString(script, "")) {
		t.Errorf("init script grants thematic_app SUPERUSER or BYPASSRLS")
	}

	// It reads its passwords from the variables the db service sets.
	dbEnv := loadCompose(t).Services["db"].env(t)
	for _, v := range []string{"THEMATIC_OWNER_PASSWORD", "THEMATIC_APP_PASSWORD"} {
		if !strings.Contains(script, "$"+v) && !strings.Contains(script, "${"+v) {
			t.Errorf("init script does not read %s", v)
		}
		if dbEnv[v] == "" {
			t.Errorf("the db service does not set %s for the init script", v)
		}
	}
}

// TestComposeHighAvailabilityProfile: the optional "ha" profile adds a standby streaming from db, a
// second app instance configured as the first, and a round-robin proxy over both; the default
// stack runs none of them.
func TestComposeHighAvailabilityProfile(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"db-standby", "app2", "proxy"} {
		svc, ok := c.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		if !slices.Equal(svc.Profiles, []string{"ha"}) {
			t.Errorf("%s profiles %v, want [ha] (the default stack runs without it)", name, svc.Profiles)
		}
	}
	for _, name := range []string{"db", "app"} {
		if len(c.Services[name].Profiles) > 0 {
			t.Errorf("%s is in profiles %v: the default stack needs it", name, c.Services[name].Profiles)
		}
	}
	// The second instance is the first one again, without the published port.
	app, app2 := c.Services["app"].env(t), c.Services["app2"].env(t)
	if !reflect.DeepEqual(app, app2) {
		t.Errorf("app2's environment %v differs from app's %v", app2, app)
	}
	if c.Services["app2"].Build == nil {
		t.Error("app2 is not built from the Dockerfile")
	}
	// Both find whichever database accepts writes.
	for _, k := range []string{"DATABASE_URL", "APP_DATABASE_URL"} {
		if u := parseURL(t, k, app[k]); u != nil && u.Query().Get("target_session_attrs") != "read-write" {
			t.Errorf("%s has no target_session_attrs=read-write: after a failover the app would not find the new primary", k)
		}
	}
	if !strings.Contains(read(t, "docker-compose.yml"), "${THEMATIC_DB_HOSTS:-db:5432}") {
		t.Error("the database URLs do not take THEMATIC_DB_HOSTS (the standby's host in the ha profile)")
	}
	// The proxy sends requests to both instances in turn.
	if src := c.Services["proxy"].mounts()["/etc/caddy/Caddyfile"]; filepath.Clean(src) != "deploy/Caddyfile" {
		t.Errorf("the proxy does not mount deploy/Caddyfile (got %q)", src)
	}
	caddy := read(t, "deploy/Caddyfile")
	for _, want := range []string{"app:8080", "app2:8080", "round_robin", "health_uri /readyz"} {
		if !strings.Contains(caddy, want) {
			t.Errorf("deploy/Caddyfile lacks %q", want)
		}
	}
	// The standby streams as a role that may only replicate, with the password db gives it.
	sb := c.Services["db-standby"].env(t)
	if p := c.Services["db"].env(t)["THEMATIC_REPLICATION_PASSWORD"]; p == "" || p != sb["THEMATIC_REPLICATION_PASSWORD"] {
		t.Errorf("the standby's replication password %q is not db's %q", sb["THEMATIC_REPLICATION_PASSWORD"], p)
	}
	w := words(roleStatement(t, read(t, "deploy/postgres-init/02-replication.sh"), "thematic_replication"))
	for _, want := range []string{"REPLICATION", "NOSUPERUSER", "NOBYPASSRLS"} {
		if !slices.Contains(w, want) {
			t.Errorf("the replication role lacks %s", want)
		}
	}
	script := read(t, "deploy/standby.sh")
	for _, want := range []string{"pg_basebackup", "-R", "application_name=$STANDBY_NAME", "hot_standby=on"} {
		if !strings.Contains(script, want) {
			t.Errorf("deploy/standby.sh lacks %q", want)
		}
	}
	if src := c.Services["db-standby"].mounts()["/deploy/standby.sh"]; filepath.Clean(src) != "deploy/standby.sh" {
		t.Errorf("db-standby does not mount deploy/standby.sh (got %q)", src)
	}
}
