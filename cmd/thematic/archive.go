package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"thematic/internal/archive"
	"thematic/internal/config"
	"thematic/internal/db"
	"thematic/internal/tenant"
	"thematic/internal/user"
)

// maxArchiveBytes is the largest archive the command line imports.
const maxArchiveBytes = 200 << 20

// reviewArchive runs "review export" and "review import". Messages go to stderr when the archive
// itself goes to standard output.
func reviewArchive(ctx context.Context, cfg config.Config, sub string, args []string, stdout, stderr io.Writer) error {
	if sub == "export" {
		return reviewExport(ctx, cfg, args, stdout, stderr)
	}
	return reviewImport(ctx, cfg, args, stdout)
}

func reviewExport(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) error {
	fs := flags("review export --review ID [--out FILE]", "Write a whole review to one archive: JSON, or a ZIP file of the "+
		"JSON and the documents when the review has documents (format: internal/archive/schema.json, docs/archive.md). "+
		"What it leaves out, and why, is listed in the archive's left_out.", stdout)
	id := fs.String("review", "", "the review's id")
	out := fs.String("out", "", "the file to write; standard output when not given")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !db.ValidUUID(*id) {
		fs.Usage()
		return errors.New("give --review with the review's id")
	}
	msgs := stdout
	if *out == "" {
		msgs = stderr
	}
	pool, err := ownerPool(ctx, cfg, msgs)
	if err != nil {
		return err
	}
	defer pool.Close()
	tenantID, err := reviewTenant(ctx, pool, *id)
	if err != nil {
		return err
	}
	w, tmp := stdout, ""
	var f *os.File
	if *out != "" {
		// Written beside the destination and renamed at the end: a failure leaves no half file.
		if f, err = os.CreateTemp(filepath.Dir(*out), ".archive-*.json"); err != nil {
			return fmt.Errorf("create %s: %w", *out, err)
		}
		tmp, w = f.Name(), f
		defer func() {
			_ = f.Close()
			_ = os.Remove(tmp)
		}()
	}
	counts, err := archive.ExportTo(ctx, pool, db.Scope{TenantID: tenantID, ReviewID: *id, Email: "command line"}, w, time.Now())
	if err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
		if err := os.Rename(tmp, *out); err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
	}
	fmt.Fprintf(msgs, "exported %d areas, %d visits, %d notes, %d findings, %d examples, %d recommendations\n",
		counts.Areas, counts.Visits, counts.Notes, counts.Findings, counts.Examples, counts.Recommendations)
	return nil
}

func reviewImport(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	fs := flags("review import --tenant SLUG --as EMAIL --file FILE [--title TITLE]", "Import a review archive as a new "+
		"review of a tenant. Everything is checked first; an archive with any problem imports nothing.", stdout)
	slug := fs.String("tenant", "", "the tenant's slug")
	as := fs.String("as", "", "the email of the tenant's user who imports (lead of the new review)")
	file := fs.String("file", "", "the archive file")
	title := fs.String("title", "", "the new review's title (default: the archive's title followed by \"(imported)\")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	email := user.NormaliseEmail(*as)
	if *slug == "" || !user.ValidEmail(email) || *file == "" {
		fs.Usage()
		return errors.New("give --tenant, --as and --file")
	}
	if n := len([]rune(strings.TrimSpace(*title))); n > archive.MaxTitle {
		return fmt.Errorf("the title must be %d characters or fewer", archive.MaxTitle)
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxArchiveBytes+1))
	_ = f.Close()
	if err != nil {
		return fmt.Errorf("read %s: %w", *file, err)
	}
	if len(data) > maxArchiveBytes {
		return fmt.Errorf("%s is larger than %d MB", *file, maxArchiveBytes>>20)
	}
	a, err := archive.Parse(data)
	if err != nil {
		return archiveProblems(stdout, err)
	}
	pool, err := ownerPool(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	defer pool.Close()
	tenantID, err := tenant.IDBySlug(ctx, pool, *slug)
	if err != nil {
		return err
	}
	var userID string
	err = db.InTx(ctx, pool, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT u.id::text FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.tenant_id = $1 AND u.email = $2 AND m.deactivated_at IS NULL`, tenantID, email).Scan(&userID)
	})
	if errors.Is(err, pgx.ErrNoRows) || (err != nil && strings.Contains(err.Error(), "Not found")) {
		return fmt.Errorf("%s is not an active user of %s", email, *slug)
	}
	if err != nil {
		return err
	}
	res, err := archive.ImportReview(ctx, pool, db.Scope{TenantID: tenantID, UserID: userID, Email: email},
		archive.Target{Title: strings.TrimSpace(*title)}, a, time.Now())
	if err != nil {
		return archiveProblems(stdout, err)
	}
	fmt.Fprintf(stdout, "imported %q as review %s: %d areas, %d visits, %d notes, %d findings, %d examples, %d recommendations\n",
		res.Title, res.ReviewID, res.Counts.Areas, res.Counts.Visits, res.Counts.Notes, res.Counts.Findings, res.Counts.Examples,
		res.Counts.Recommendations)
	if len(res.Invited) > 0 {
		fmt.Fprintf(stdout, "invited to the review (not users of %s): %s\n", *slug, strings.Join(res.Invited, ", "))
	}
	if len(res.Reattributed) > 0 {
		fmt.Fprintf(stdout, "objects by people who are not users of %s are now %s's (kept in the audit log)\n", *slug, email)
	}
	if res.TeamDaysSkipped > 0 {
		fmt.Fprintf(stdout, "%d days on site were left out (people invited)\n", res.TeamDaysSkipped)
	}
	if res.Counts.Documents > 0 || res.Counts.ReportVersions > 0 {
		fmt.Fprintf(stdout, "%d documents, %d saved report versions\n", res.Counts.Documents, res.Counts.ReportVersions)
	}
	for _, l := range a.LeftOut {
		fmt.Fprintf(stdout, "not in the archive: %s (%s)\n", l.What, l.Why)
	}
	return nil
}

// archiveProblems prints an invalid archive's problems (the first 50) and says nothing was
// imported; any other error passes through.
func archiveProblems(w io.Writer, err error) error {
	var inv *archive.Invalid
	if !errors.As(err, &inv) {
		p, ok := archive.Refused(err)
		if !ok {
			return err
		}
		inv = &archive.Invalid{Problems: []archive.Problem{p}}
	}
	lines, more := inv.Lines(50)
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
	if more > 0 {
		fmt.Fprintf(w, "  and %d more problems\n", more)
	}
	return fmt.Errorf("the archive has %s: nothing was imported", inv.Count())
}
