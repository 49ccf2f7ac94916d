package user

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/internal/db"
)

// Credentials is what sign-in needs to check a password.
type Credentials struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string
	TOTPEnabled  bool
}

// CredentialsByEmail looks a user up before anyone is signed in. A missing user is not an error:
// it returns zero Credentials so that the caller spends the same time hashing.
func CredentialsByEmail(ctx context.Context, q db.Querier, email string) (Credentials, error) {
	var c Credentials
	err := q.QueryRow(ctx, `SELECT id, email, name, password_hash, totp_enabled FROM auth_user_by_email($1)`,
		NormaliseEmail(email)).Scan(&c.ID, &c.Email, &c.Name, &c.PasswordHash, &c.TOTPEnabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return Credentials{}, nil
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("user: credentials by email: %w", err)
	}
	return c, nil
}

// SignInAttempt counts a sign-in attempt against keys, each under the limit of the same index,
// and reads the credentials of email (zero when there is no such user), in one statement outside
// any transaction. When a key has had its limit of failures since since, the attempt is refused
// (admitted false) and nothing is recorded. An admitted attempt is recorded as a failure under
// every key before the password is checked, so that attempts sent at the same instant cannot all
// be checked; ReleaseAttempt takes it back when the password was right.
func SignInAttempt(ctx context.Context, q db.Querier, email string, keys []string, limits []int, since time.Time) (c Credentials, admitted bool, err error) {
	var id, mail, name, hash *string
	var totp *bool
	err = q.QueryRow(ctx, `SELECT a.ok, u.id, u.email, coalesce(u.name, ''), coalesce(u.password_hash, ''),
			coalesce(u.totp_enabled, false)
		FROM auth_attempt($2, $3, $4, true) a(ok) LEFT JOIN auth_user_by_email($1) u ON true`,
		NormaliseEmail(email), keys, limits, since).Scan(&admitted, &id, &mail, &name, &hash, &totp)
	if err != nil {
		return Credentials{}, false, fmt.Errorf("user: sign-in attempt: %w", err)
	}
	if id != nil {
		c = Credentials{ID: *id, Email: *mail, Name: *name, PasswordHash: *hash, TOTPEnabled: *totp}
	}
	return c, admitted, nil
}

// releaseSQL deletes one failure under each key of the text[] parameter param: the newest, as
// rows of one key differ only in their time.
func releaseSQL(param string) string {
	return `DELETE FROM auth_failures WHERE ctid IN (
		SELECT DISTINCT ON (key) ctid FROM auth_failures WHERE key = ANY(` + param + `) ORDER BY key, at DESC)`
}

// ReleaseAttempt takes back the failure SignInAttempt or AttemptAllowed recorded under each key,
// for a right password.
func ReleaseAttempt(ctx context.Context, q db.Querier, keys ...string) error {
	if _, err := q.Exec(ctx, releaseSQL("$1"), keys); err != nil {
		return fmt.Errorf("user: release attempt: %w", err)
	}
	return nil
}

// TenantsOf lists the active memberships of a user in one statement that scopes itself to the
// user (app_tenants), outside any transaction. It is called once the password proved right, so
// the same statement takes back the attempt SignInAttempt recorded under each of release.
func TenantsOf(ctx context.Context, q db.Querier, userID string, release ...string) ([]TenantChoice, error) {
	rows, err := q.Query(ctx, `WITH released AS (`+releaseSQL("$2")+`)
		SELECT id, name, role FROM app_tenants($1)`, userID, release)
	if err != nil {
		return nil, fmt.Errorf("user: tenants of %s: %w", userID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (TenantChoice, error) {
		var c TenantChoice
		var role string
		err := r.Scan(&c.ID, &c.Name, &role)
		c.Role = auth.Role(role)
		return c, err
	})
}

// ReviewTenant names the tenant of a review when the user is an active member of it, or "" when
// there is no such review or the user is not in its tenant. It runs outside any transaction, for
// a link into a review of another of the user's organisations.
func ReviewTenant(ctx context.Context, q db.Querier, userID, reviewID string) (string, error) {
	if !db.ValidUUID(reviewID) {
		return "", nil
	}
	var id *string
	if err := q.QueryRow(ctx, `SELECT app_review_tenant($1, $2)::text`, userID, reviewID).Scan(&id); err != nil {
		return "", fmt.Errorf("user: tenant of review %s: %w", reviewID, err)
	}
	if id == nil {
		return "", nil
	}
	return *id, nil
}

// Get reads a user visible in the current scope (themself, or a member of the current tenant).
func Get(ctx context.Context, q db.Querier, id string) (User, error) {
	var u User
	err := q.QueryRow(ctx, `SELECT id, email, name, totp_enabled, totp_secret, totp_last_step, auth_version, created_at
		FROM users WHERE id = $1`, id).Scan(&u.ID, &u.Email, &u.Name, &u.TOTPEnabled, &u.TOTPSecret,
		&u.TOTPLastStep, &u.AuthVersion, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, apperr.NotFound("User not found")
	}
	if err != nil {
		return User{}, fmt.Errorf("user: get %s: %w", id, err)
	}
	return u, nil
}

// Create inserts a new account and returns its id. The id is chosen first because RLS does not
// let the server's role read back (RETURNING) a user who belongs to no tenant yet.
func Create(ctx context.Context, q db.Querier, email, name, passwordHash string) (string, error) {
	var id string
	if err := q.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&id); err != nil {
		return "", fmt.Errorf("user: new id: %w", err)
	}
	_, err := q.Exec(ctx, `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)`,
		id, NormaliseEmail(email), name, passwordHash)
	if err != nil {
		return "", fmt.Errorf("user: create %s: %w", NormaliseEmail(email), err)
	}
	return id, nil
}

// SetOwnPassword changes the signed-in user's password and bumps their auth version, which ends
// their other sessions. It returns the new version.
func SetOwnPassword(ctx context.Context, q db.Querier, id, hash string) (int, error) {
	var v int
	err := q.QueryRow(ctx, `UPDATE users SET password_hash = $2, auth_version = auth_version + 1, updated_at = now()
		WHERE id = $1 RETURNING auth_version`, id, hash).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("user: set password %s: %w", id, err)
	}
	return v, nil
}

// SetPasswordByReset sets a password for a user who is not signed in, after the caller checked a
// reset token. All the user's sessions end.
func SetPasswordByReset(ctx context.Context, q db.Querier, id, hash string) error {
	if _, err := q.Exec(ctx, `SELECT auth_set_password($1, $2)`, id, hash); err != nil {
		return fmt.Errorf("user: reset password %s: %w", id, err)
	}
	return nil
}

// Session is what each request re-reads to check that a session is still good.
type Session struct {
	Actor         auth.Actor
	UserVersion   int
	MemberVersion int
	Deactivated   bool
	Require2FA    bool
}

// LoadSession reads the user, their membership of the tenant and the tenant in one query. It
// answers NotFound when the membership no longer exists.
func LoadSession(ctx context.Context, q db.Querier, userID, tenantID string) (Session, error) {
	var s Session
	var role string
	err := q.QueryRow(ctx, `SELECT u.id, u.email, u.name, u.totp_enabled, u.auth_version,
			t.id, t.name, t.require_2fa, m.role, m.auth_version, m.deactivated_at IS NOT NULL
		FROM users u
		JOIN memberships m ON m.user_id = u.id AND m.tenant_id = $2
		JOIN tenants t ON t.id = m.tenant_id
		WHERE u.id = $1`, userID, tenantID).Scan(&s.Actor.UserID, &s.Actor.Email, &s.Actor.Name, &s.Actor.TOTP,
		&s.UserVersion, &s.Actor.TenantID, &s.Actor.TenantName, &s.Require2FA, &role, &s.MemberVersion, &s.Deactivated)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, apperr.NotFound("Membership not found")
	}
	if err != nil {
		return Session{}, fmt.Errorf("user: load session %s/%s: %w", userID, tenantID, err)
	}
	s.Actor.Role = auth.Role(role)
	return s, nil
}

// Request is what a signed-in request knows before its own work: the session's user and
// membership, their place in the review the path names (nil outside one or when not a member),
// and, for a lead of that review, its open safeguarding concerns (-1 otherwise).
type Request struct {
	Session
	Review       *auth.ReviewAccess
	OpenConcerns int
}

// LoadRequest reads a Request in one statement (app_request, which scopes itself to the tenant
// and user under row-level security), without a transaction of its own. reviewID may be "".
// It answers NotFound when the membership no longer exists.
func LoadRequest(ctx context.Context, q db.Querier, userID, tenantID, reviewID string) (Request, error) {
	var rq Request
	if !db.ValidUUID(userID) || !db.ValidUUID(tenantID) {
		return Request{}, apperr.NotFound("Membership not found")
	}
	var review *string
	if reviewID != "" && db.ValidUUID(reviewID) {
		review = &reviewID
	}
	var role string
	var memberID, reviewRole, areaID *string
	var concerns *int
	s := &rq.Session
	err := q.QueryRow(ctx, `SELECT user_id, email, name, totp_enabled, user_version, tenant_id, tenant_name,
			require_2fa, role, member_version, deactivated, review_member_id, review_role, review_area_id, open_concerns
		FROM app_request($1, $2, $3)`, tenantID, userID, review).Scan(&s.Actor.UserID, &s.Actor.Email, &s.Actor.Name,
		&s.Actor.TOTP, &s.UserVersion, &s.Actor.TenantID, &s.Actor.TenantName, &s.Require2FA, &role, &s.MemberVersion,
		&s.Deactivated, &memberID, &reviewRole, &areaID, &concerns)
	if errors.Is(err, pgx.ErrNoRows) {
		return Request{}, apperr.NotFound("Membership not found")
	}
	if err != nil {
		return Request{}, fmt.Errorf("user: load request %s/%s: %w", userID, tenantID, err)
	}
	s.Actor.Role = auth.Role(role)
	s.Actor.TwoFactorRequired = s.Require2FA
	if memberID != nil {
		rq.Review = &auth.ReviewAccess{ReviewID: reviewID, MemberID: *memberID, Role: auth.ReviewRole(*reviewRole)}
		if areaID != nil {
			rq.Review.AreaID = *areaID
		}
	}
	rq.OpenConcerns = -1
	if concerns != nil {
		rq.OpenConcerns = *concerns
	}
	return rq, nil
}

// TenantChoice is a tenant the signed-in user may act in.
type TenantChoice struct {
	ID   string
	Name string
	Role auth.Role
}

// Tenants lists the active memberships of the signed-in user; it must run with no tenant set.
func Tenants(ctx context.Context, q db.Querier, userID string) ([]TenantChoice, error) {
	rows, err := q.Query(ctx, `SELECT t.id, t.name, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id
		WHERE m.user_id = $1 AND m.deactivated_at IS NULL ORDER BY t.name`, userID)
	if err != nil {
		return nil, fmt.Errorf("user: tenants of %s: %w", userID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (TenantChoice, error) {
		var c TenantChoice
		var role string
		err := r.Scan(&c.ID, &c.Name, &role)
		c.Role = auth.Role(role)
		return c, err
	})
}

const memberCols = `u.id, u.email, u.name, m.role, u.totp_enabled, m.deactivated_at, m.auth_version, m.created_at`

func scanMember(r pgx.CollectableRow) (Member, error) {
	var m Member
	var role string
	err := r.Scan(&m.UserID, &m.Email, &m.Name, &role, &m.TOTPEnabled, &m.DeactivatedAt, &m.AuthVersion, &m.CreatedAt)
	m.Role = auth.Role(role)
	return m, err
}

// Members lists the current tenant's members, active first, by name.
func Members(ctx context.Context, q db.Querier, tenantID string) ([]Member, error) {
	rows, err := q.Query(ctx, `SELECT `+memberCols+` FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 ORDER BY m.deactivated_at IS NOT NULL, lower(u.name), u.email`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("user: members of %s: %w", tenantID, err)
	}
	return pgx.CollectRows(rows, scanMember)
}

// GetMember reads one member of the tenant.
func GetMember(ctx context.Context, q db.Querier, tenantID, userID string) (Member, error) {
	rows, err := q.Query(ctx, `SELECT `+memberCols+` FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND m.user_id = $2`, tenantID, userID)
	if err != nil {
		return Member{}, fmt.Errorf("user: member %s/%s: %w", tenantID, userID, err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanMember)
	if errors.Is(err, pgx.ErrNoRows) {
		return Member{}, apperr.NotFound("User not found")
	}
	return m, err
}

// AddMember makes a user a member of the tenant, or reactivates them with the given role.
func AddMember(ctx context.Context, q db.Querier, tenantID, userID string, role auth.Role) error {
	_, err := q.Exec(ctx, `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role, deactivated_at = NULL,
			auth_version = memberships.auth_version + 1, updated_at = now()`, tenantID, userID, string(role))
	if err != nil {
		return fmt.Errorf("user: add member %s/%s: %w", tenantID, userID, err)
	}
	return nil
}

// SetRole changes a member's role; the member's sessions renew on their next request.
func SetRole(ctx context.Context, q db.Querier, tenantID, userID string, role auth.Role) error {
	tag, err := q.Exec(ctx, `UPDATE memberships SET role = $3, auth_version = auth_version + 1, updated_at = now()
		WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID, string(role))
	if err != nil {
		return fmt.Errorf("user: set role %s/%s: %w", tenantID, userID, err)
	}
	if tag.RowsAffected() == 0 {
		return apperr.NotFound("User not found")
	}
	return nil
}

// SetActive deactivates or reactivates a membership. A deactivated member's sessions end at once.
func SetActive(ctx context.Context, q db.Querier, tenantID, userID string, active bool) error {
	tag, err := q.Exec(ctx, `UPDATE memberships
		SET deactivated_at = CASE WHEN $3 THEN NULL ELSE now() END, auth_version = auth_version + 1, updated_at = now()
		WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID, active)
	if err != nil {
		return fmt.Errorf("user: set active %s/%s: %w", tenantID, userID, err)
	}
	if tag.RowsAffected() == 0 {
		return apperr.NotFound("User not found")
	}
	return nil
}

// CountActiveAdmins counts the tenant's active admins, so the last one cannot be removed.
func CountActiveAdmins(ctx context.Context, q db.Querier, tenantID string) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE tenant_id = $1 AND role = 'admin'
		AND deactivated_at IS NULL`, tenantID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("user: count admins %s: %w", tenantID, err)
	}
	return n, nil
}

// CreateInvitation stores an invitation whose token hash the caller made.
func CreateInvitation(ctx context.Context, q db.Querier, inv Invitation, invitedBy string, tokenHash []byte) (string, error) {
	var id string
	err := q.QueryRow(ctx, `INSERT INTO invitations (tenant_id, email, name, role, invited_by, token_hash, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, inv.TenantID, NormaliseEmail(inv.Email), inv.Name,
		string(inv.Role), invitedBy, tokenHash, inv.ExpiresAt).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("user: create invitation: %w", err)
	}
	return id, nil
}

// InvitationByToken finds an invitation by its token hash, before anyone is signed in.
func InvitationByToken(ctx context.Context, q db.Querier, tokenHash []byte) (Invitation, error) {
	var i Invitation
	var role string
	err := q.QueryRow(ctx, `SELECT tenant_id, id, email, name, role, expires_at, accepted_at, revoked_at, tenant_name, user_exists
		FROM auth_invitation_by_token($1)`, tokenHash).Scan(&i.TenantID, &i.ID, &i.Email, &i.Name, &role,
		&i.ExpiresAt, &i.AcceptedAt, &i.RevokedAt, &i.TenantName, &i.UserExists)
	if errors.Is(err, pgx.ErrNoRows) {
		return Invitation{}, apperr.NotFound("Invitation not found")
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("user: invitation by token: %w", err)
	}
	i.Role = auth.Role(role)
	return i, nil
}

// PendingInvitations lists the tenant's invitations not yet accepted or revoked.
func PendingInvitations(ctx context.Context, q db.Querier, tenantID string) ([]Invitation, error) {
	rows, err := q.Query(ctx, `SELECT tenant_id, id, email, name, role, expires_at, created_at FROM invitations
		WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL ORDER BY created_at DESC`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("user: pending invitations: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invitation, error) {
		var i Invitation
		var role string
		err := r.Scan(&i.TenantID, &i.ID, &i.Email, &i.Name, &role, &i.ExpiresAt, &i.CreatedAt)
		i.Role = auth.Role(role)
		return i, err
	})
}

// RevokeInvitation withdraws a pending invitation.
func RevokeInvitation(ctx context.Context, q db.Querier, tenantID, id string) (Invitation, error) {
	var i Invitation
	err := q.QueryRow(ctx, `UPDATE invitations SET revoked_at = now()
		WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING email`,
		tenantID, id).Scan(&i.Email)
	if errors.Is(err, pgx.ErrNoRows) {
		return Invitation{}, apperr.NotFound("Invitation not found")
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("user: revoke invitation %s: %w", id, err)
	}
	i.ID, i.TenantID = id, tenantID
	return i, nil
}

// Reset is a password reset request as stored.
type Reset struct {
	ID        string
	UserID    string
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// ResetByToken finds a reset by token hash.
func ResetByToken(ctx context.Context, q db.Querier, tokenHash []byte) (Reset, error) {
	var r Reset
	err := q.QueryRow(ctx, `SELECT id, user_id, expires_at, used_at FROM password_resets WHERE token_hash = $1`,
		tokenHash).Scan(&r.ID, &r.UserID, &r.ExpiresAt, &r.UsedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Reset{}, apperr.NotFound("Reset link not found")
	}
	if err != nil {
		return Reset{}, fmt.Errorf("user: reset by token: %w", err)
	}
	return r, nil
}

// RecordFailure notes a failed sign-in under each key.
func RecordFailure(ctx context.Context, q db.Querier, keys ...string) error {
	for _, k := range keys {
		if _, err := q.Exec(ctx, `INSERT INTO auth_failures (key) VALUES ($1)`, k); err != nil {
			return fmt.Errorf("user: record failure: %w", err)
		}
	}
	return nil
}

// AttemptAllowed tells whether key has had fewer than limit failures since since. It locks the
// key until q's transaction ends: a caller that records a failure itself (RecordFailure) must do
// so in that transaction, so that a concurrent attempt waits and then counts it. With reserve,
// an allowed attempt is recorded as a failure at once, for a caller that checks the credential
// after the transaction; ReleaseAttempt takes it back when the credential was right.
func AttemptAllowed(ctx context.Context, q db.Querier, key string, limit int, since time.Time, reserve bool) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT auth_attempt($1, $2, $3, $4)`, []string{key}, []int{limit}, since, reserve).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("user: attempt allowed: %w", err)
	}
	return ok, nil
}

// ClearFailures forgets an account's failures after a successful sign-in, and old rows of all keys.
func ClearFailures(ctx context.Context, q db.Querier, key string, olderThan time.Time) error {
	if _, err := q.Exec(ctx, `DELETE FROM auth_failures WHERE key = $1 OR at < $2`, key, olderThan); err != nil {
		return fmt.Errorf("user: clear failures: %w", err)
	}
	return nil
}

// SetPasswordByEmail sets the password of the user with that email and ends their sessions, for
// the operator's command line (thematic user set-password), which connects as the owner. It
// reports whether such a user exists.
func SetPasswordByEmail(ctx context.Context, q db.Querier, email, hash string) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE users SET password_hash = $2, auth_version = auth_version + 1, updated_at = now() WHERE email = $1`, email, hash)
	if err != nil {
		return false, fmt.Errorf("user: set password of %s: %w", email, err)
	}
	return tag.RowsAffected() > 0, nil
}
