package finding_test

import (
	"strconv"
	"strings"
	"testing"

	"thematic/internal/db"
	"thematic/internal/finding"
)

// The scale's form refuses words over 60 characters in the command (it was the handler's rule),
// saving nothing; words of 60 are saved, audited.
func TestSaveScaleFormChecksTheBandsWords(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "scalecmd")
	sc := db.Scope{TenantID: w.tenant, UserID: w.user, Email: "lead@scalecmd.test", ReviewID: w.review}
	page, err := finding.ScalePage(w.ctx, w.d.App, sc)
	w.must(err)
	if len(page.Scale) == 0 {
		t.Fatal("no scale")
	}
	rows := func(label string) []finding.BandInput {
		var out []finding.BandInput
		for i, b := range page.Scale {
			in := finding.BandInput{ID: b.ID, Version: strconv.Itoa(b.Version), Label: b.Label,
				Percent: strconv.Itoa(b.MinPercent), Areas: strconv.Itoa(b.MinAreas)}
			if i == 0 {
				in.Label = label
			}
			out = append(out, in)
		}
		return out
	}
	res, err := finding.SaveScaleForm(w.ctx, w.d.App, sc, rows(strings.Repeat("w", finding.MaxBandLabel+1)))
	w.must(err)
	if got := res.Errors.Get("band-0-label"); got != "The words for band 1 must be 60 characters or fewer" {
		t.Fatalf("a 61-character label: %q", got)
	}
	if res.Rows[0].Label != strings.Repeat("w", 61) {
		t.Errorf("the label typed is not kept for the form: %q", res.Rows[0].Label)
	}
	again, err := finding.ScalePage(w.ctx, w.d.App, sc)
	w.must(err)
	if again.Scale[0].Label != page.Scale[0].Label {
		t.Fatalf("a refused label was saved: %q", again.Scale[0].Label)
	}

	sixty := strings.Repeat("v", finding.MaxBandLabel)
	res, err = finding.SaveScaleForm(w.ctx, w.d.App, sc, rows(sixty))
	w.must(err)
	if res.Errors.Any() {
		t.Fatalf("a 60-character label refused: %v", res.Errors.List())
	}
	again, err = finding.ScalePage(w.ctx, w.d.App, sc)
	w.must(err)
	if again.Scale[0].Label != sixty {
		t.Fatalf("label %q after saving", again.Scale[0].Label)
	}
	var n int
	w.must(w.d.Super.QueryRow(w.ctx, `SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'quantifier_scale.updated'
		AND actor_email = 'lead@scalecmd.test'`, w.tenant).Scan(&n))
	if n != 1 {
		t.Errorf("%d scale changes audited, want 1", n)
	}

	// The form's bands must be the stored ones: a band missing is a conflict.
	if _, err := finding.SaveScaleForm(w.ctx, w.d.App, sc, rows(sixty)[1:]); err == nil {
		t.Error("a form without the first band was accepted")
	}
}
