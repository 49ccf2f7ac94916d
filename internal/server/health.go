package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"thematic/internal/db"
)

// healthz answers while the process is up.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// readyz answers 200 when the database is reachable and its migrations are those of this binary.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	res := map[string]any{"status": "ready"}
	status := http.StatusOK
	want, _ := db.Latest()
	got, err := db.Current(ctx, s.pool)
	switch {
	case err != nil:
		res = map[string]any{"status": "unavailable", "database": "unreachable"}
		status = http.StatusServiceUnavailable
	case got != want:
		res = map[string]any{"status": "unavailable", "migrations": map[string]int64{"applied": got, "expected": want}}
		status = http.StatusServiceUnavailable
	default:
		res["migration"] = got
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(res)
}
