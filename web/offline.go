package web

import (
	"io/fs"
	"net/http"
	"strings"
)

// The installable app: its manifest and its service worker, both served from the root of the
// site (a worker's scope is the folder it is served from, and it must cover every page).

// KeepHeader marks a response the service worker may keep on the device; it keeps nothing else.
const KeepHeader = "X-Thematic-Offline"

func serveFile(name, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(Static, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(b)
	})
}

// WorkerHandler serves /sw.js. no-cache: the browser checks for a new worker on every visit.
func WorkerHandler() http.Handler { return serveFile("sw.js", "text/javascript; charset=utf-8") }

// ManifestHandler serves /manifest.webmanifest.
func ManifestHandler() http.Handler {
	return serveFile("manifest.webmanifest", "application/manifest+json")
}

// Shell lists the files every page needs, as the pages name them, for the worker to keep: the
// hashed CSS and scripts, the modules app.js imports by plain name, GOV.UK's fonts (woff2, which
// every browser that runs a service worker reads) and the app's icons.
func Shell() []string {
	out := []string{Path("govuk/govuk-frontend.min.css"), Path("app.css"), Path("js-enabled.js"), Path("app.js"),
		"/static/notes.js", "/static/govuk/govuk-frontend.min.js", "/assets/images/favicon.ico",
		"/static/icons/icon-192.png", "/static/icons/icon-512.png", "/static/icons/icon-maskable-512.png"}
	fonts, _ := fs.Glob(Static, "govuk/assets/fonts/*.woff2")
	for _, f := range fonts {
		out = append(out, "/assets/"+strings.TrimPrefix(f, "govuk/assets/"))
	}
	return out
}
