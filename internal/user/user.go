// Package user holds people and their memberships of tenants: accounts, invitations, password
// resets, two-factor secrets and recovery codes, and sign-in throttling.
package user

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"thematic/internal/auth"
)

// User is a person's account.
type User struct {
	ID           string
	Email        string
	Name         string
	TOTPEnabled  bool
	TOTPSecret   string
	TOTPLastStep int64
	AuthVersion  int
	CreatedAt    time.Time
}

// Member is a user as a member of one tenant.
type Member struct {
	UserID        string
	Email         string
	Name          string
	Role          auth.Role
	TOTPEnabled   bool
	DeactivatedAt *time.Time
	AuthVersion   int
	CreatedAt     time.Time
}

// Active reports whether the membership is in force.
func (m Member) Active() bool { return m.DeactivatedAt == nil }

// Invitation asks someone to join a tenant.
type Invitation struct {
	TenantID   string
	ID         string
	Email      string
	Name       string
	Role       auth.Role
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	RevokedAt  *time.Time
	TenantName string
	UserExists bool
	CreatedAt  time.Time
}

// Usable reports whether the invitation can still be accepted.
func (i Invitation) Usable(now time.Time) bool {
	return i.AcceptedAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}

// NormaliseEmail trims and lower-cases an address.
func NormaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidEmail reports whether s looks like a deliverable address.
func ValidEmail(s string) bool {
	if len(s) < 3 || len(s) > 320 || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".") || domain == "localhost"
}

// ValidName reports whether a display name is acceptable.
func ValidName(s string) bool {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	return n >= 1 && n <= 200
}
