package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/web"
)

// routeFunc registers one route with the permission it needs.
type routeFunc func(method, pattern string, p auth.Permission, h handler)

// registrar returns a routeFunc for r, whose routes sit under prefix.
func (s *Server) registrar(r chi.Router, prefix string) routeFunc {
	return func(method, pattern string, p auth.Permission, h handler) {
		full := prefix + pattern
		if prefix != "" && pattern == "/" {
			full = prefix + "/"
		}
		s.perms[method+" "+full] = p
		r.Method(method, pattern, s.need(p, h))
	}
}

// routes is the table of contents of the service: every route and the permission it needs.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.requestID, s.recoverer, s.accessLog, s.securityHeaders)

	// No session: assets and probes.
	r.Method("GET", "/static/*", web.StaticHandler())
	r.Method("GET", "/assets/*", web.AssetsHandler())
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)

	r.Group(func(r chi.Router) {
		r.Use(s.limitBody, s.crossOrigin, s.sessions.LoadAndSave, s.loadActor, s.csrf)
		route := s.registrar(r, "")
		r.NotFound(s.adapt(func(w http.ResponseWriter, r *http.Request) error { return apperr.NotFound("") }))
		r.MethodNotAllowed(s.adapt(func(w http.ResponseWriter, r *http.Request) error { return apperr.NotFound("") }))

		route("GET", "/", auth.SignedIn, s.home)
		route("GET", "/accessibility", auth.Public, s.accessibility)
		route("GET", "/privacy", auth.Public, s.privacy)

		// Signing in and out.
		route("GET", "/sign-in", auth.Public, s.signInForm)
		route("POST", "/sign-in", auth.Public, s.signIn)
		route("GET", "/sign-in/two-factor", auth.Public, s.twoFactorForm)
		route("POST", "/sign-in/two-factor", auth.Public, s.twoFactor)
		route("POST", "/sign-out", auth.Public, s.signOut)
		route("POST", "/session/extend", auth.SignedIn, s.extendSession)
		route("GET", "/password/forgot", auth.Public, s.forgotForm)
		route("POST", "/password/forgot", auth.Public, s.forgot)
		route("GET", "/password/reset/{token}", auth.Public, s.resetForm)
		route("POST", "/password/reset/{token}", auth.Public, s.reset)
		route("GET", "/invitations/{token}", auth.Public, s.invitationForm)
		route("POST", "/invitations/{token}", auth.Public, s.acceptInvitation)

		// The signed-in user's own account.
		route("GET", "/account", auth.SignedIn, s.account)
		route("GET", "/account/password", auth.SignedIn, s.passwordForm)
		route("POST", "/account/password", auth.SignedIn, s.changePassword)
		route("GET", "/account/two-factor", auth.SignedIn, s.twoFactorSetupForm)
		route("POST", "/account/two-factor", auth.SignedIn, s.enableTwoFactor)
		route("POST", "/account/two-factor/disable", auth.SignedIn, s.disableTwoFactor)
		route("POST", "/account/two-factor/recovery-codes", auth.SignedIn, s.newRecoveryCodes)
		route("GET", "/account/organisation", auth.SignedIn, s.organisationForm)
		route("POST", "/account/organisation", auth.SignedIn, s.switchOrganisation)

		// Tenant administration.
		route("GET", "/admin/users", auth.ManageTenant, s.adminUsers)
		route("GET", "/admin/users/invite", auth.ManageTenant, s.inviteForm)
		route("POST", "/admin/users/invite", auth.ManageTenant, s.invite)
		route("GET", "/admin/users/{userID}", auth.ManageTenant, s.adminUser)
		route("POST", "/admin/users/{userID}/role", auth.ManageTenant, s.changeRole)
		route("POST", "/admin/users/{userID}/deactivate", auth.ManageTenant, s.deactivateUser)
		route("POST", "/admin/users/{userID}/reactivate", auth.ManageTenant, s.reactivateUser)
		route("POST", "/admin/invitations/{invitationID}/revoke", auth.ManageTenant, s.revokeInvitation)
		route("GET", "/admin/audit", auth.ManageTenant, s.auditLog)
		route("GET", "/admin/settings", auth.ManageTenant, s.settingsForm)
		route("POST", "/admin/settings", auth.ManageTenant, s.saveSettings)

		// Reviews. Under /reviews/{reviewID} the actor's place in the review is loaded first;
		// someone outside the review gets 404 from every route there.
		s.reviewListRoutes(route)
		s.visitTopRoutes(route)
		r.Route("/reviews/{reviewID}", func(r chi.Router) {
			r.Use(s.loadReview)
			in := s.registrar(r, "/reviews/{reviewID}")
			s.reviewRoutes(in)
			s.enquiryRoutes(in)
			s.frameworkRoutes(in)
			s.areaRoutes(in)
			s.memberRoutes(in)
			s.visitRoutes(in)
		})

		if s.cfg.Dev() {
			// Development only: the mail the service would have sent.
			route("GET", "/dev/mail", auth.Public, s.devMail)
		}
	})
	return r
}
