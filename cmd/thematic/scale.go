package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"thematic/internal/config"
	"thematic/internal/scale"
)

// seedScale generates national-scale data for load tests (internal/scale) and writes its
// manifest, which the load harness reads, to --manifest or standard output.
func seedScale(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	fs := flags("seed scale [flags]", "Generate national-scale data with COPY: tenants (the first is the main one) "+
		"with their people, reviews, visits and evidence notes, for load tests. Every generated user's password is "+
		fmt.Sprintf("%q. Refuses when scale tenants (slugs %s*) exist, unless --replace; other tenants are untouched.",
			scale.Password, scale.SlugPrefix)+" Refused with APP_ENV=production unless --i-know.", stdout)
	d := scale.Defaults()
	var o scale.Options
	fs.IntVar(&o.Tenants, "tenants", d.Tenants, "tenants; the first is the main tenant")
	fs.IntVar(&o.Reviews, "reviews", d.Reviews, "reviews per tenant; the main review is the first of the first tenant")
	fs.IntVar(&o.Areas, "areas", d.Areas, "areas of the main review (other reviews get 20 to 153)")
	fs.IntVar(&o.Members, "members", d.Members, "members of the main tenant and review: a lead, inspectors and a tenth observers")
	fs.IntVar(&o.Notes, "notes", d.Notes, "evidence notes of the main review")
	fs.IntVar(&o.OtherNotes, "other-notes", d.OtherNotes, "evidence notes shared between the other reviews")
	fs.IntVar(&o.Findings, "findings", d.Findings, "findings of the main review, with supporting notes")
	replace := fs.Bool("replace", false, "delete the scale tenants first")
	manifest := fs.String("manifest", "", "write the JSON manifest to this file (standard output when empty)")
	iKnow := iKnowFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := refuseInProduction(cfg, "seed scale", scale.Password, *iKnow); err != nil {
		return err
	}
	o.Replace = *replace
	// With the manifest on standard output, progress goes to standard error.
	logTo := stdout
	if *manifest == "" {
		logTo = os.Stderr
	}
	o.Log = func(f string, a ...any) { fmt.Fprintf(logTo, f+"\n", a...) }
	pool, err := ownerPool(ctx, cfg, logTo)
	if err != nil {
		return err
	}
	defer pool.Close()
	m, err := scale.Generate(ctx, pool, o)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if *manifest == "" {
		_, err = stdout.Write(b)
		return err
	}
	if err := os.WriteFile(*manifest, b, 0o644); err != nil {
		return fmt.Errorf("write the manifest: %w", err)
	}
	fmt.Fprintf(stdout, "Generated %d tenants and %d notes in %.1fs; manifest in %s. Sign in as %s, password %q.\n",
		m.Tenants, m.Notes+m.OtherNotes, m.TookSeconds, *manifest, m.LeadEmail, m.Password)
	return nil
}
