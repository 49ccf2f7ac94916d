package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"thematic/internal/apitoken"
	"thematic/internal/form"
	"thematic/templates/accountview"
)

// Personal access tokens for the API, on the user's account (apitoken decides the rest): made
// with a name, a scope and an expiry, shown once, listed with their last use, revoked.

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) error {
	ts, err := apitoken.Page(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	return s.tokensRender(w, r, http.StatusOK, accountview.TokensView{Tokens: ts, Errors: &form.Errors{}})
}

func (s *Server) tokensRender(w http.ResponseWriter, r *http.Request, status int, v accountview.TokensView) error {
	v.Now, v.BaseURL = s.now(), s.cfg.BaseURL
	p := s.page(r, "Personal access tokens")
	p.Nav = "account"
	p.HasError = v.Errors.Any()
	s.render(w, r, status, accountview.Tokens(p, v))
	return nil
}

// tokenCreate makes a token and shows its secret on this one answer (no redirect: the secret is
// never stored to show again).
func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	days, _ := strconv.Atoi(r.PostFormValue("expiry"))
	in := apitoken.Input{Name: r.PostFormValue("name"), Scope: r.PostFormValue("scope"), Days: days}
	secret, t, err := apitoken.Create(r.Context(), s.pool, scopeOf(r), in, s.now())
	var refused *form.Refused
	if errors.As(err, &refused) {
		ts, err := apitoken.Page(r.Context(), s.pool, scopeOf(r))
		if err != nil {
			return err
		}
		return s.tokensRender(w, r, http.StatusUnprocessableEntity, accountview.TokensView{Tokens: ts, In: in, Errors: refused.Errors})
	}
	if err != nil {
		return err
	}
	ts, err := apitoken.Page(r.Context(), s.pool, scopeOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.tokensRender(w, r, http.StatusOK, accountview.TokensView{Tokens: ts, Secret: secret, Made: t, Errors: &form.Errors{}})
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := apitoken.Revoke(r.Context(), s.pool, scopeOf(r), chi.URLParam(r, "tokenID"), s.now()); err != nil {
		return err
	}
	return s.redirect(w, r, "/account/tokens", "The token has been revoked. It no longer works.")
}
