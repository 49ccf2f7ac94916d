package server

import (
	"net/http"

	"thematic/internal/apperr"
)

// Handlers being written; each is removed from here when its real one lands.
func pending(w http.ResponseWriter, r *http.Request) error { return apperr.NotFound("") }

func (s *Server) home(w http.ResponseWriter, r *http.Request) error          { return pending(w, r) }
func (s *Server) accessibility(w http.ResponseWriter, r *http.Request) error { return pending(w, r) }
func (s *Server) privacy(w http.ResponseWriter, r *http.Request) error       { return pending(w, r) }
func (s *Server) devMail(w http.ResponseWriter, r *http.Request) error       { return pending(w, r) }

// password reset and invitations
func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) error       { return pending(w, r) }
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) error           { return pending(w, r) }
func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) error        { return pending(w, r) }
func (s *Server) reset(w http.ResponseWriter, r *http.Request) error            { return pending(w, r) }
func (s *Server) invitationForm(w http.ResponseWriter, r *http.Request) error   { return pending(w, r) }
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) error { return pending(w, r) }

// account
func (s *Server) account(w http.ResponseWriter, r *http.Request) error        { return pending(w, r) }
func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request) error   { return pending(w, r) }
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error { return pending(w, r) }
func (s *Server) twoFactorSetupForm(w http.ResponseWriter, r *http.Request) error {
	return pending(w, r)
}
func (s *Server) enableTwoFactor(w http.ResponseWriter, r *http.Request) error  { return pending(w, r) }
func (s *Server) disableTwoFactor(w http.ResponseWriter, r *http.Request) error { return pending(w, r) }
func (s *Server) newRecoveryCodes(w http.ResponseWriter, r *http.Request) error { return pending(w, r) }
func (s *Server) organisationForm(w http.ResponseWriter, r *http.Request) error { return pending(w, r) }
func (s *Server) switchOrganisation(w http.ResponseWriter, r *http.Request) error {
	return pending(w, r)
}

// admin
func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error       { return pending(w, r) }
func (s *Server) inviteForm(w http.ResponseWriter, r *http.Request) error       { return pending(w, r) }
func (s *Server) invite(w http.ResponseWriter, r *http.Request) error           { return pending(w, r) }
func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) error        { return pending(w, r) }
func (s *Server) changeRole(w http.ResponseWriter, r *http.Request) error       { return pending(w, r) }
func (s *Server) deactivateUser(w http.ResponseWriter, r *http.Request) error   { return pending(w, r) }
func (s *Server) reactivateUser(w http.ResponseWriter, r *http.Request) error   { return pending(w, r) }
func (s *Server) revokeInvitation(w http.ResponseWriter, r *http.Request) error { return pending(w, r) }
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) error         { return pending(w, r) }
func (s *Server) settingsForm(w http.ResponseWriter, r *http.Request) error     { return pending(w, r) }
func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request) error     { return pending(w, r) }
