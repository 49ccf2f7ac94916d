package auth

// Role is a person's role in a tenant. Per-review roles (lead, inspector, observer, local
// authority contact) are held by the review they belong to.
type Role string

const (
	RoleAdmin  Role = "admin"  // tenant admin: manages the organisation's users; may set up reviews
	RoleStaff  Role = "staff"  // inspectorate staff: may set up reviews and lead or inspect them
	RoleMember Role = "member" // external people (local authority contacts, observers): only the reviews they are added to
)

// Roles lists the tenant roles in the order forms offer them.
var Roles = []Role{RoleMember, RoleStaff, RoleAdmin}

// Valid reports whether r is a known tenant role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleStaff || r == RoleMember }

// Label is the role's name as users read it.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Tenant admin"
	case RoleStaff:
		return "Inspectorate staff"
	case RoleMember:
		return "External member"
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
	// TwoFactorRequired is the tenant's rule that its members sign in with a second factor.
	TwoFactorRequired bool

	// Review is the actor's place in the review the request is about (routes under
	// /reviews/{reviewID}); nil elsewhere or when they are not a member of it.
	Review *ReviewAccess
}

// ReviewRole is a member's role in one review.
type ReviewRole string

const (
	ReviewLead      ReviewRole = "lead"
	ReviewInspector ReviewRole = "inspector"
	ReviewObserver  ReviewRole = "observer"
	ReviewContact   ReviewRole = "la_contact" // a local authority contact, bound to one area
)

// ReviewRoles lists the review roles in the order forms offer them.
var ReviewRoles = []ReviewRole{ReviewLead, ReviewInspector, ReviewObserver, ReviewContact}

// Valid reports whether r is a known review role.
func (r ReviewRole) Valid() bool {
	return r == ReviewLead || r == ReviewInspector || r == ReviewObserver || r == ReviewContact
}

// Label is the review role's name as users read it.
func (r ReviewRole) Label() string {
	switch r {
	case ReviewLead:
		return "Review lead"
	case ReviewInspector:
		return "Inspector"
	case ReviewObserver:
		return "Observer"
	case ReviewContact:
		return "Local authority contact"
	}
	return string(r)
}

// ReviewAccess is where the actor stands in one review.
type ReviewAccess struct {
	ReviewID string
	MemberID string
	Role     ReviewRole
	AreaID   string // the one area a local authority contact may see
}

// SeesArea reports whether the actor may see a given area of the review: every area for the
// review's staff, only their own for a local authority contact.
func (r *ReviewAccess) SeesArea(areaID string) bool {
	if r == nil {
		return false
	}
	return r.Role != ReviewContact || r.AreaID == areaID
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
	// CreateReview needs a tenant admin or inspectorate staff.
	CreateReview
	// ReviewMember routes need any role in the review (a local authority contact included; the
	// handler then limits them to their area).
	ReviewMember
	// ReviewStaff routes need a role in the review other than local authority contact.
	ReviewStaff
	// ReviewLeadOnly routes change how the review is set up: its lead only.
	ReviewLeadOnly
	// ReviewRecord routes write evidence: the review's leads and inspectors.
	ReviewRecord
)

func (p Permission) String() string {
	switch p {
	case Public:
		return "public"
	case SignedIn:
		return "signed in"
	case ManageTenant:
		return "tenant admin"
	case CreateReview:
		return "create reviews"
	case ReviewMember:
		return "review member"
	case ReviewStaff:
		return "review staff"
	case ReviewLeadOnly:
		return "review lead"
	case ReviewRecord:
		return "review lead or inspector"
	}
	return "unknown"
}

// InReview reports whether the permission is about one review: without a place in that review,
// the review does not exist as far as the actor can tell (404, not 403).
func (p Permission) InReview() bool {
	return p == ReviewMember || p == ReviewStaff || p == ReviewLeadOnly || p == ReviewRecord
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
	case CreateReview:
		return a != nil && (a.Role == RoleAdmin || a.Role == RoleStaff)
	case ReviewMember:
		return a != nil && a.Review != nil
	case ReviewStaff:
		return a != nil && a.Review != nil && a.Review.Role != ReviewContact
	case ReviewLeadOnly:
		return a != nil && a.Review != nil && a.Review.Role == ReviewLead
	case ReviewRecord:
		return a != nil && a.Review != nil && (a.Review.Role == ReviewLead || a.Review.Role == ReviewInspector)
	}
	return false
}
