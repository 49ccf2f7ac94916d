//go:build loadbase

package server

import "net/http"

// baselineHandler is the load harness's bare note save (BaselineHandler), mounted outside the
// session middleware. Only a build with -tags loadbase (make bench) has it.
func (s *Server) baselineHandler() http.Handler { return BaselineHandler(s.pool) }
