package user

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/audit"
	"thematic/internal/auth"
	"thematic/internal/db"
)

// Ensure returns the id of the user with email, creating them with name and password hash when
// there is none (created true). The demo seed and the command line use it.
func Ensure(ctx context.Context, tx pgx.Tx, email, name, hash string) (id string, created bool, err error) {
	err = tx.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, NormaliseEmail(email)).Scan(&id)
	if err == nil {
		return id, false, nil
	}
	if err != pgx.ErrNoRows {
		return "", false, fmt.Errorf("user: find %s: %w", email, err)
	}
	id, err = Create(ctx, tx, email, name, hash)
	return id, err == nil, err
}

// AddFromCommandLine is "thematic user create": the user with email (created with name and
// password hash when new) becomes a member of the tenant with role, audited as done by the command
// line. created says whether the account is new.
func AddFromCommandLine(ctx context.Context, pool *pgxpool.Pool, tenantID, email, name, hash string, role auth.Role) (created bool, err error) {
	err = db.InTx(ctx, pool, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		var id string
		var err error
		if id, created, err = Ensure(ctx, tx, email, name, hash); err != nil {
			return err
		}
		if err := AddMember(ctx, tx, tenantID, id, role); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, ActorEmail: "command line", Action: "membership.created",
			ObjectType: "user", ObjectID: id, After: map[string]string{"email": email, "role": string(role)}})
	})
	return created, err
}
