//go:build loadbase

package server

import "github.com/go-chi/chi/v5"

// mountBaseline adds the load harness's bare note save (BaselineHandler) outside the session
// middleware. Only a build with -tags loadbase (make bench) has it.
func (s *Server) mountBaseline(r chi.Router) { r.Method("POST", BaselinePath, BaselineHandler(s.pool)) }
