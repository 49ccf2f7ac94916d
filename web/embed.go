// Package web serves the static assets: the project's own CSS and JavaScript, and GOV.UK Frontend,
// copied from node_modules into static/govuk at build time (see the Makefile) and embedded.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:static
var files embed.FS

// Static is the static folder.
var Static, _ = fs.Sub(files, "static")

var (
	hashed  = map[string]string{} // "app.css" → "app.1a2b3c4d.css"
	reverse = map[string]string{} // the other way
)

func init() {
	_ = fs.WalkDir(Static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		h := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		hashed[p], reverse[h] = h, p
		return nil
	})
}

// Path returns the cache-busting URL of a static file, such as "/static/app.1a2b3c4d.css".
func Path(name string) string {
	if h, ok := hashed[name]; ok {
		return "/static/" + h
	}
	return "/static/" + name
}

// HasGOVUK reports whether GOV.UK Frontend was copied in before the build.
func HasGOVUK() bool { _, ok := hashed["govuk/govuk-frontend.min.css"]; return ok }

// StaticHandler serves /static/*: hashed names are cached for a year, plain names revalidated
// (app.js imports GOV.UK Frontend by its plain name).
func StaticHandler() http.Handler {
	fsrv := http.FileServerFS(Static)
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if orig, ok := reverse[p]; ok {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			w.Header().Set(KeepHeader, "keep")
			r.URL.Path = orig
		} else if _, ok := hashed[p]; ok {
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set(KeepHeader, "keep")
		} else {
			http.NotFound(w, r)
			return
		}
		fsrv.ServeHTTP(w, r)
	}))
}

// AssetsHandler serves /assets/* (fonts and images GOV.UK Frontend's CSS refers to).
func AssetsHandler() http.Handler {
	sub, err := fs.Sub(Static, "govuk/assets")
	if err != nil {
		return http.NotFoundHandler()
	}
	fsrv := http.FileServerFS(sub)
	return http.StripPrefix("/assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set(KeepHeader, "keep")
		fsrv.ServeHTTP(w, r)
	}))
}
