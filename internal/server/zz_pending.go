package server

// Route groups being written; each helper replaces its function with the real one in its own file.
func (s *Server) reviewListRoutes(route routeFunc) {}
func (s *Server) visitTopRoutes(route routeFunc)   {}
func (s *Server) reviewRoutes(route routeFunc)     {}
func (s *Server) enquiryRoutes(route routeFunc)    {}
func (s *Server) frameworkRoutes(route routeFunc)  {}
func (s *Server) areaRoutes(route routeFunc)       {}
func (s *Server) memberRoutes(route routeFunc)     {}
func (s *Server) visitRoutes(route routeFunc)      {}
