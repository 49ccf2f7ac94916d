package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// soDocumentXML is the text of a DOCX's word/document.xml.
func soDocumentXML(t *testing.T, docx []byte) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatalf("the DOCX is not a ZIP: %v", err)
	}
	for _, f := range z.File {
		if f.Name != "word/document.xml" {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	t.Fatal("the DOCX has no word/document.xml")
	return ""
}

// TestJourneySignOffBoundToContent: the lead sends the report for quality assurance and a second
// lead approves it. The lead opens the report to publish it; meanwhile its executive summary is
// edited (at quality assurance no form of the app changes it, so it is written here as any other
// path would write it, as in the issue that found this). Publishing is refused with the changed
// words shown, and the report and review are back in drafting. Sent again and approved again by
// the second lead, it publishes. The published DOCX downloads the same bytes before and after the
// review's data changes later. axe checks every page.
func TestJourneySignOffBoundToContent(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	review := evDemoReview(t, env)
	base := "/reviews/" + review
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := env.DB.Super.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	b.signIn("lead@demo.test", demo.Password)
	b.rpWrite(review, "summary", "Families found the hubs welcoming and easy to reach.")

	// To drafting from the overview, then sent for quality assurance from the report.
	b.Visit(base + "/")
	b.Submit("#to")
	b.Expect("The review is now at drafting")
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status']:has(input[value=quality_assurance]) button")
	b.Expect("Report sent for quality assurance")
	b.rpSignInAs("qa.lead@demo.test")
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status']:has(input[value=approved]) button")
	b.Expect("Report approved")

	// The lead opens the approved report; the summary changes before Publish is pressed.
	b.rpSignInAs("lead@demo.test")
	b.Visit(base + "/report")
	b.Expect("Approved")
	exec(`UPDATE report_texts SET body = 'Families found the hubs welcoming but hard to reach.' WHERE review_id = $1 AND key = 'summary'`, review)
	b.Submit("form[action$='/report/status']:has(input[value=published]) button")
	b.Expect("The report cannot be published: it changed after it was approved")
	b.Expect("Changed since approval")
	b.Expect("What changed since version 2 was approved")
	if ins := strings.Join(strings.Fields(b.Text("#lapse ins")), " "); ins != "added: but" {
		t.Errorf("the first added words shown are %q", ins)
	}
	if del := strings.Join(strings.Fields(b.Text("#lapse del")), " "); del != "removed: and" {
		t.Errorf("the first removed words shown are %q", del)
	}
	b.Expect("it has returned to drafting")
	b.Visit(base + "/")
	b.Expect("Drafting")

	// Sent again, approved again by the second lead, published.
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status']:has(input[value=quality_assurance]) button")
	b.Expect("Report sent for quality assurance")
	b.rpSignInAs("qa.lead@demo.test")
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status']:has(input[value=approved]) button")
	b.Expect("Report approved")
	b.rpSignInAs("lead@demo.test")
	b.Visit(base + "/report")
	b.Submit("form[action$='/report/status']:has(input[value=published]) button")
	b.Expect("Report published")
	b.Expect("The downloads are the published version")

	// The published DOCX, then the review's data changes, then the DOCX again: the same bytes.
	first := b.srFetch(base+"/report/export/docx", true)
	if doc := soDocumentXML(t, first); !strings.Contains(doc, "welcoming but hard to reach") {
		t.Fatal("the published DOCX is not the report as approved")
	}
	exec(`UPDATE report_texts SET body = 'Rewritten after publication.' WHERE review_id = $1 AND key = 'summary'`, review)
	exec(`UPDATE findings SET body = body || ' Edited after publication.' WHERE review_id = $1`, review)
	exec(`UPDATE evidence_notes SET deleted_at = now(), deleted_by = author_id WHERE review_id = $1 AND deleted_at IS NULL`, review)
	again := b.srFetch(base+"/report/export/docx", true)
	if !bytes.Equal(first, again) {
		t.Fatalf("the published DOCX changed with the review's data (%d and %d bytes)", len(first), len(again))
	}
}
