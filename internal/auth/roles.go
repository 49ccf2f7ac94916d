package auth

// Role is a person's role in a tenant. Per-review roles (lead, inspector, observer, local
// authority contact) are held by the review they belong to.
type Role string

const (
	RoleAdmin  Role = "admin"  // tenant admin: manages the organisation's users
	RoleMember Role = "member" // everyone else; what they may do in a review depends on their role there
)

// Valid reports whether r is a known tenant role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleMember }

// Label is the role's name as users read it.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Tenant admin"
	case RoleMember:
		return "Member"
	}
	return string(r)
}

// Actor is who is making a request: a signed-in user acting in one tenant.
type Actor struct {
	UserID     string
	Email      string
	Name       string
	TenantID   string
	TenantName string
	Role       Role
	TOTP       bool // two-factor sign-in is set up
}

// Permission is what a route needs. Every route declares one.
type Permission int

const (
	// Public routes need nobody: sign-in, password reset, invitations, health checks.
	Public Permission = iota
	// SignedIn routes need a signed-in user with an active membership of the current tenant.
	SignedIn
	// ManageTenant routes need a tenant admin: users, roles, invitations, audit log, settings.
	ManageTenant
)

func (p Permission) String() string {
	switch p {
	case Public:
		return "public"
	case SignedIn:
		return "signed in"
	case ManageTenant:
		return "tenant admin"
	}
	return "unknown"
}

// Allowed is the one place that decides whether an actor (nil when nobody is signed in) holds a
// permission.
func Allowed(a *Actor, p Permission) bool {
	switch p {
	case Public:
		return true
	case SignedIn:
		return a != nil
	case ManageTenant:
		return a != nil && a.Role == RoleAdmin
	}
	return false
}
