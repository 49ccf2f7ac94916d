package server_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/go-chi/chi/v5"

	"thematic/internal/server"
)

// routeTable reads routes.go and returns every "METHOD pattern" written there, with the patterns
// of a registrar's routes joined to its prefix.
func routeTable(t *testing.T) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	prefixes := []string{""}
	type call struct{ method, pattern string }
	var calls []call
	ast.Inspect(f, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		var name string
		switch fn := c.Fun.(type) {
		case *ast.Ident:
			name = fn.Name
		case *ast.SelectorExpr:
			name = fn.Sel.Name
		}
		switch name {
		case "registrar", "apiRegistrar":
			if len(c.Args) == 2 {
				if p, ok := lit(c.Args[1]); ok && p != "" {
					prefixes = append(prefixes, p)
				}
			}
		case "route", "Method":
			if len(c.Args) >= 2 {
				m, ok1 := lit(c.Args[0])
				p, ok2 := lit(c.Args[1])
				if !ok2 {
					// The baseline routes' patterns are constants.
					if id, ok := c.Args[1].(*ast.Ident); ok {
						p, ok2 = map[string]string{"DomainBaselinePath": server.DomainBaselinePath,
							"BareBaselinePath": server.BareBaselinePath}[id.Name]
						ok2 = p != ""
					}
				}
				if ok1 && ok2 {
					calls = append(calls, call{m, p})
				}
			}
		case "Get", "Post":
			if len(c.Args) == 2 {
				if p, ok := lit(c.Args[0]); ok {
					m := "GET"
					if name == "Post" {
						m = "POST"
					}
					calls = append(calls, call{m, p})
				}
			}
		}
		return true
	})
	table := map[string]bool{}
	for _, c := range calls {
		for _, pre := range prefixes {
			p := pre + c.pattern
			table[c.method+" "+p] = true
		}
	}
	return table
}

// unlisted returns the routes r serves that are not written in the table.
func unlisted(t *testing.T, r chi.Routes, table map[string]bool) []string {
	t.Helper()
	var out []string
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !table[method+" "+route] {
			out = append(out, method+" "+route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestRoutesAreRegisteredOnlyInTheRouteTable keeps routes.go the service's table of contents:
// every route the router serves is written out there, not registered from a feature's file.
func TestRoutesAreRegisteredOnlyInTheRouteTable(t *testing.T) {
	t.Parallel()
	table := routeTable(t)
	if len(table) < 150 {
		t.Fatalf("read only %d routes from routes.go: the parser above no longer understands it", len(table))
	}
	e := newEnv(t)
	if got := unlisted(t, e.srv.Router(), table); len(got) > 0 {
		t.Errorf("routes registered outside routes.go: %v", got)
	}

	// The check finds a route added elsewhere.
	r := chi.NewRouter()
	r.Get("/", func(http.ResponseWriter, *http.Request) {})
	r.Post("/registered/elsewhere", func(http.ResponseWriter, *http.Request) {})
	if got := unlisted(t, r, table); !slices.Equal(got, []string{"POST /registered/elsewhere"}) {
		t.Errorf("a route outside the table: unlisted = %v", got)
	}
}
