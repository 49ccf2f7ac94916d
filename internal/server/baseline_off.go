//go:build !loadbase

package server

import "github.com/go-chi/chi/v5"

// mountBaseline mounts nothing: a normal build has no baseline route (see baseline.go).
func (s *Server) mountBaseline(chi.Router) {}
