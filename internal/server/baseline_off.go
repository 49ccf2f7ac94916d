//go:build !loadbase

package server

import "net/http"

// baselineHandlers are nil: a normal build has no baseline routes (see baseline.go).
func (s *Server) baselineHandlers() (domain, bare http.Handler) { return nil, nil }
