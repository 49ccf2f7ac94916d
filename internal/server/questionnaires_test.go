package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"thematic/internal/config"
)

func init() {
	importRule := reviewRule{signIn, missing, ok, forbid, forbid, ok, missing, missing}
	for k, v := range map[string]reviewRule{
		"GET /reviews/{reviewID}/areas/{areaID}/questionnaire":  reviewAnyMember,
		"POST /reviews/{reviewID}/areas/{areaID}/questionnaire": importRule,
		"GET /reviews/{reviewID}/questionnaires":                reviewReadStaff,
	} {
		reviewAccessTable[k] = v
	}
}

// postFile sends a multipart form with a CSV file (and the session's CSRF token).
func (c *client) postFile(path, field, name string, content []byte, values url.Values) resp {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", c.csrf())
	for k, vs := range values {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.e.ts.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

const goodQuestionnaire = "\ufeffQuestion,Answer,Count\r\n" +
	"How did you hear about the family hub?,Health visitor,30\r\n" +
	"How did you hear about the family hub?,\"Friend, or family\",10\r\n" +
	"Was the hub easy to reach?,Yes,36\r\n" +
	"Was the hub easy to reach?,No,4\r\n"

func (e *env) questionnaireRows(areaID string) int {
	e.t.Helper()
	var n int
	if err := e.db.Super.QueryRow(context.Background(), `SELECT count(*) FROM questionnaire_counts c
		JOIN questionnaire_imports i ON i.tenant_id = c.tenant_id AND i.id = c.import_id WHERE i.area_id = $1`, areaID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestQuestionnaireLeadImportsPastedCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	path := "/reviews/" + f.reviewID + "/areas/" + f.area2 + "/questionnaire"

	r := lead.get(path)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "No questionnaire results have been imported") ||
		!strings.Contains(r.Body, `id="csv-file"`) || !strings.Contains(r.Body, `id="csv-text"`) {
		t.Fatalf("before import: %d\n%s", r.Status, r.Body)
	}
	r = lead.post(path, url.Values{"csv_text": {goodQuestionnaire}})
	if r.Status != http.StatusSeeOther || r.Location != path {
		t.Fatalf("import: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if n := e.auditCount("questionnaire.imported"); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}
	var after string
	if err := e.db.Super.QueryRow(context.Background(), `SELECT after::text FROM audit_log WHERE action = 'questionnaire.imported'`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(after, `"rows": "4"`) || !strings.Contains(after, `"total": "80"`) {
		t.Errorf("audit after = %s", after)
	}
	r = lead.get(path)
	for _, want := range []string{"Questionnaire results imported: 4 rows",
		"How did you hear about the family hub? (40 responses)", "Friend, or family", "75.0%", "25.0%", "90.0%",
		"Lee Lead on ", // who imported, and when
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("results page lacks %q", want)
		}
	}
	if !strings.Contains(r.Body, `<caption class="govuk-table__caption govuk-table__caption--s">Was the hub easy to reach? (40 responses)</caption>`) {
		t.Errorf("no table caption for the second question\n%s", r.Body)
	}
	if !strings.Contains(r.Body, "Importing replaces the results already here") {
		t.Error("no warning that a new import replaces the results")
	}

	// The staff's overview of every area: respondents are the largest question's responses.
	r = lead.get("/reviews/" + f.reviewID + "/questionnaires")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="total-respondents">40<`) ||
		!strings.Contains(r.Body, "imported for 1 of 2 areas") {
		t.Errorf("totals page: %d\n%s", r.Status, r.Body)
	}

	// An inspector reads the results but gets no import form.
	r = e.signedIn("inspector@demo.test").get(path)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Friend, or family") || strings.Contains(r.Body, `id="csv-file"`) {
		t.Errorf("inspector: %d", r.Status)
	}

	// Another tenant's admin finds nothing.
	if r := e.signedIn("admin@other.test").get(path); r.Status != http.StatusNotFound {
		t.Errorf("other tenant: %d", r.Status)
	}
}

func TestQuestionnaireContactUploadsFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	contact := e.signedIn("la.contact@demo.test")
	own := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/questionnaire"
	other := "/reviews/" + f.reviewID + "/areas/" + f.area2 + "/questionnaire"

	r := contact.postFile(own, "csv_file", "results.csv", []byte(goodQuestionnaire), nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", r.Status, r.Body)
	}
	if n := e.questionnaireRows(f.area1); n != 4 {
		t.Errorf("%d rows stored, want 4", n)
	}
	r = contact.get(own)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Was the hub easy to reach?") {
		t.Errorf("own results: %d", r.Status)
	}
	// Another area: not found, reading or importing, and nothing stored.
	if r := contact.get(other); r.Status != http.StatusNotFound {
		t.Errorf("another area's results: %d", r.Status)
	}
	if r := contact.postFile(other, "csv_file", "results.csv", []byte(goodQuestionnaire), nil); r.Status != http.StatusNotFound {
		t.Errorf("import into another area: %d", r.Status)
	}
	if n := e.questionnaireRows(f.area2); n != 0 {
		t.Errorf("%d rows stored for another area", n)
	}
	// The staff's list is not theirs.
	if r := contact.get("/reviews/" + f.reviewID + "/questionnaires"); r.Status != http.StatusForbidden {
		t.Errorf("contact on the totals page: %d", r.Status)
	}
	// Inspectors and observers may not import.
	for _, who := range []string{"inspector@demo.test", "observer@demo.test"} {
		c := e.signedIn(who)
		if r := c.postFile(own, "csv_file", "results.csv", []byte("question,answer,count\nx,y,1\n"), nil); r.Status != http.StatusForbidden {
			t.Errorf("%s imports: %d", who, r.Status)
		}
	}
	if n := e.questionnaireRows(f.area1); n != 4 {
		t.Errorf("%d rows after refused imports, want 4", n)
	}
}

func TestQuestionnaireBadCSVKeepsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	path := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/questionnaire"
	if r := lead.post(path, url.Values{"csv_text": {goodQuestionnaire}}); r.Status != http.StatusSeeOther {
		t.Fatalf("first import: %d", r.Status)
	}
	bad := "question,answer,count\nQ1,Yes,3\nQ1,No,2\nQ1,Maybe,twelve\nQ2,Yes,-1\n,No,1\nQ1,No,4\n"
	for name, send := range map[string]func() resp{
		"pasted": func() resp { return lead.post(path, url.Values{"csv_text": {bad}}) },
		"file":   func() resp { return lead.postFile(path, "csv_file", "bad.csv", []byte(bad), nil) },
	} {
		r := send()
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d", name, r.Status)
		}
		for _, want := range []string{"There is a problem", "The CSV has 4 problems. Nothing was imported.",
			"Line 4: the count must be a whole number, like 12", "Line 5: the count must be 0 or more",
			"Line 6: enter the question", "Line 7: this answer is already listed for the question, on line 3"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("%s: page lacks %q", name, want)
			}
		}
		if !strings.Contains(r.Body, "<title>Error:") {
			t.Errorf("%s: title not prefixed with Error:", name)
		}
		if name == "pasted" && !strings.Contains(r.Body, "Q1,Maybe,twelve") {
			t.Errorf("pasted text not kept")
		}
	}
	// The earlier results stand; only one import was audited.
	if n := e.questionnaireRows(f.area1); n != 4 {
		t.Errorf("%d rows, want the first import's 4", n)
	}
	if n := e.auditCount("questionnaire.imported"); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}
	// Nothing sent, a wrong header, an empty file.
	for name, r := range map[string]resp{
		"nothing":      lead.post(path, url.Values{"csv_text": {"  "}}),
		"wrong header": lead.post(path, url.Values{"csv_text": {"q,a\nx,y\n"}}),
		"empty file":   lead.postFile(path, "csv_file", "empty.csv", nil, nil),
	} {
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", name, r.Status)
		}
	}
}

func TestQuestionnaireFileOverLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.MaxBodyBytes = 8 << 20 })
	f := newReviewFixture(t, e)
	lead := e.signedIn("lead@demo.test")
	path := "/reviews/" + f.reviewID + "/areas/" + f.area1 + "/questionnaire"
	big := []byte("question,answer,count\n" + strings.Repeat("Q,A,1\n", (2<<20)/6+1))
	r := lead.postFile(path, "csv_file", "big.csv", big, nil)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The selected file must be smaller than 2 MB") {
		t.Errorf("big file: %d", r.Status)
	}
	if n := e.questionnaireRows(f.area1); n != 0 {
		t.Errorf("%d rows stored", n)
	}
}
