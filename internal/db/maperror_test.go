package db_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"thematic/internal/apperr"
	"thematic/internal/db"
)

// A deadlock or a serialisation failure rolled the change back whole: the user is told it was not
// saved and may send it again (a conflict), not shown a server error.
func TestMapErrorTellsOfConcurrentChanges(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"40P01", "40001"} {
		err := db.MapError(fmt.Errorf("save: %w", &pgconn.PgError{Code: code, Message: "deadlock detected"}))
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.CodeConflict || apperr.MessageOf(err) == "" {
			t.Errorf("%s: got %v, want a conflict with a message", code, err)
		}
	}
	if err := db.MapError(&pgconn.PgError{Code: "22P02"}); apperr.CodeOf(err) == apperr.CodeConflict {
		t.Errorf("an invalid value mapped to a conflict: %v", err)
	}
}
