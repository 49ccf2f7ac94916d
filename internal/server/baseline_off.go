//go:build !loadbase

package server

import "net/http"

// baselineHandler is nil: a normal build has no baseline route (see baseline.go).
func (s *Server) baselineHandler() http.Handler { return nil }
