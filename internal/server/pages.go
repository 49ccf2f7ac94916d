package server

import (
	"net/http"

	"thematic/internal/auth"
	"thematic/internal/mail"
	"thematic/internal/review"
	"thematic/templates/devview"
	"thematic/templates/homeview"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r.Context())
	v := homeview.View{CanCreate: auth.Allowed(a, auth.CreateReview)}
	var err error
	if v.Reviews, err = review.ListFor(r.Context(), s.pool, scopeOf(r)); err != nil {
		return err
	}
	p := s.page(r, "Your reviews")
	p.Nav = "home"
	return s.ok(w, r, homeview.Page(p, v))
}

// accessibilityStatement is the service's accessibility statement, in plain paragraphs.
var accessibilityStatement = []string{
	"This statement is about the Thematic reviews service, which inspectorates use to plan and run thematic reviews together.",
	"We want as many people as possible to be able to use this service. We aim to meet the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA. The service is built with the GOV.UK Design System, whose components are tested with assistive technologies.",
	"You should be able to zoom in up to 400% without text spilling off the screen, move around the service using only a keyboard, and use it with a screen reader, speech recognition software or screen magnifier.",
	"Every page works without JavaScript. JavaScript only adds conveniences, such as showing a password as you type it and warning you before your session times out.",
	"The service has not yet been audited by an independent accessibility specialist. We check every page with automated accessibility tests as we build it, and we will publish any problems we know of here.",
	"If you find a problem with the accessibility of this service, or you need information in a different format, tell your organisation’s tenant admin or your review lead. Say which page you were on, what you were trying to do and what went wrong. They will pass it to the team that runs the service.",
	"If you are not happy with how we respond, contact the Equality Advisory and Support Service (EASS).",
}

// privacyNotice says what personal data the service holds and why.
var privacyNotice = []string{
	"This notice explains what personal data the Thematic reviews service holds about you and why. Your organisation, the inspectorate that invited you, is the data controller.",
	"We hold your name and email address so that you can sign in and so that colleagues can see who is working on a review. We hold your password only as a one-way hash, which cannot be turned back into the password. If you set up two-factor sign-in, we hold the secret your authenticator app shares with us and hashed recovery codes.",
	"We keep an audit log of what people do in the service, such as signing in, changing a password, inviting someone or changing their role. Each entry records who did it, when, and the IP address the request came from. The audit log lets your organisation check who did what, and helps protect accounts from misuse.",
	"We set one cookie, a session cookie, which keeps you signed in. It is deleted when you close your browser or sign out, and it stops working after a period of inactivity. We do not use analytics, advertising or any other tracking cookies, and we do not load anything from other websites.",
	"We send you email only for the service: invitations to join an organisation and links to reset your password.",
	"You can ask your organisation’s tenant admin to correct your details or to remove your access. To ask for a copy of your data or to make a complaint, contact your organisation’s data protection officer. You can also complain to the Information Commissioner’s Office (ICO).",
}

func (s *Server) accessibility(w http.ResponseWriter, r *http.Request) error {
	return s.ok(w, r, homeview.Static(s.page(r, "Accessibility statement"), "Accessibility statement for Thematic reviews", accessibilityStatement))
}

func (s *Server) privacy(w http.ResponseWriter, r *http.Request) error {
	return s.ok(w, r, homeview.Static(s.page(r, "Privacy notice"), "Privacy notice", privacyNotice))
}

// devMail shows the development mailbox. Its route exists only in development mode.
func (s *Server) devMail(w http.ResponseWriter, r *http.Request) error {
	stored, err := mail.Recent(r.Context(), s.pool, scopeOf(r), 50)
	if err != nil {
		return err
	}
	msgs := make([]devview.Message, len(stored))
	for i, m := range stored {
		msgs[i] = devview.Message{To: m.To, Subject: m.Subject, At: m.CreatedAt, Body: m.Body}
	}
	p := s.page(r, "Mailbox (development)")
	p.Nav = "mail"
	return s.ok(w, r, devview.Mailbox(p, s.cfg.BaseURL, msgs))
}
