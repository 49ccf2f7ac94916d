package server

// Route groups being written; each line goes when its group exists.
func (s *Server) safeguardingRoutes(route routeFunc) {}
func (s *Server) coverageRoutes(route routeFunc)     {}
