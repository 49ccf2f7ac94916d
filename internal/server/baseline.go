//go:build loadbase

package server

import (
	"net/http"

	"thematic/internal/loadbase"
)

// baselineHandlers are the load harness's references, mounted outside the session middleware: the
// domain save without HTTP session (BaselineHandler) and the bare insert (loadbase.BareHandler).
// Only a build with -tags loadbase (make bench) has them.
func (s *Server) baselineHandlers() (domain, bare http.Handler) {
	return BaselineHandler(s.pool), loadbase.BareHandler(s.pool)
}
