// Package migrations holds the SQL migrations, embedded in the binary and run by goose.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
