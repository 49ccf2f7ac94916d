package user

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"thematic/internal/audit"
	"thematic/internal/db"
)

// RecordRefused records in the audit log that the user of sc was refused route ("METHOD /path"),
// which needs the permission named needs.
func RecordRefused(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, route, needs string) error {
	return db.InTx(ctx, pool, sc, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{TenantID: sc.TenantID, ActorID: sc.UserID, ActorEmail: sc.Email,
			Action: "access.refused", ObjectType: "route", ObjectID: route,
			After: map[string]string{"needs": needs}})
	})
}
