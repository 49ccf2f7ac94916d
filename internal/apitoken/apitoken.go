// Package apitoken holds personal access tokens for the public API: made on a user's account page
// in one organisation, named, scoped read or read-write, expiring and revocable. Only the hash of
// a token's secret is stored; the secret is shown once. A token acts as its user in its tenant.
package apitoken

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"thematic/internal/form"
)

// Scopes a token may have.
const (
	Read      = "read"
	ReadWrite = "read_write"
)

// Prefix starts every secret, so that a token pasted somewhere it should not be (a repository, a
// chat) is recognisable to the people and scanners looking for it.
const Prefix = "thm_"

// RatePerMinute is how many requests one token may make in a minute (api_token_use counts them).
const RatePerMinute = 600

// ExpiryDays are the lifetimes a user may choose for a token.
var ExpiryDays = []int{7, 30, 90, 365}

// Token is one of a user's tokens as their account page lists it.
type Token struct {
	ID         string     `db:"id"`
	Name       string     `db:"name"`
	Scope      string     `db:"scope"`
	CreatedAt  time.Time  `db:"created_at"`
	ExpiresAt  time.Time  `db:"expires_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
}

// Live reports whether the token still works at now.
func (t Token) Live(now time.Time) bool { return t.RevokedAt == nil && now.Before(t.ExpiresAt) }

// ScopeLabel names a scope for people.
func ScopeLabel(scope string) string {
	if scope == ReadWrite {
		return "Read and write"
	}
	return "Read only"
}

// Input is the form that makes a token.
type Input struct {
	Name  string
	Scope string
	Days  int
}

// Validate checks the form. Field ids: name, scope, expiry.
func (in *Input) Validate() *form.Errors {
	errs := &form.Errors{}
	in.Name = strings.TrimSpace(in.Name)
	switch n := len([]rune(in.Name)); {
	case n == 0:
		errs.Add("name", "Enter a name for the token")
	case n > 100:
		errs.Add("name", "The name must be 100 characters or fewer")
	}
	if in.Scope != Read && in.Scope != ReadWrite {
		errs.Add("scope", "Select what the token may do")
	}
	valid := false
	for _, d := range ExpiryDays {
		valid = valid || d == in.Days
	}
	if !valid {
		errs.Add("expiry", "Select when the token expires")
	}
	return errs
}

// newSecret returns a new secret (the prefix and 32 random bytes, base64url) and its hash.
func newSecret() (string, []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("apitoken: random: " + err.Error())
	}
	s := Prefix + base64.RawURLEncoding.EncodeToString(b)
	return s, Hash(s)
}

// Hash is the SHA-256 of a secret, as stored.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// WellFormed reports whether s looks like a secret newSecret makes, before any look-up.
func WellFormed(s string) bool {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok || len(rest) != 43 {
		return false
	}
	for _, c := range rest {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
