package report_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"thematic/internal/report"
	"thematic/internal/review"
)

// built builds the demo review's report as it is now, with what LoadAll read.
func (w *demoWorld) built() (report.Loaded, report.Doc) {
	w.t.Helper()
	var l report.Loaded
	if err := w.owner(func(tx pgx.Tx) (err error) {
		l, err = report.LoadAll(w.ctx, tx, w.tenant, w.review, report.LoadOptions{})
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
	d, _ := report.Build(l.Data)
	return l, d
}

// move takes a step of the sign-off as actor and returns what moved.
func (w *demoWorld) move(actor, to, note string) (report.Moved, error) {
	var m report.Moved
	err := w.owner(func(tx pgx.Tx) error {
		s, err := report.LoadState(w.ctx, tx, w.tenant, w.review)
		if err != nil {
			return err
		}
		m, err = report.Move(w.ctx, tx, w.tenant, w.review, actor, to, note, s.Version)
		return err
	})
	return m, err
}

func (w *demoWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// approve takes the demo review to drafting, the lead sends the report for quality assurance and
// the second lead approves it.
func (w *demoWorld) approve() {
	w.t.Helper()
	if stage, _, _ := w.now(); stage != review.StatusDrafting {
		w.must(w.stage(w.lead, review.StatusDrafting, ""))
	}
	w.must(w.step(w.lead, report.StatusQA, ""))
	w.must(w.step(w.second, report.StatusApproved, ""))
}

func (w *demoWorld) versions() []report.Version {
	w.t.Helper()
	var vs []report.Version
	w.must(w.owner(func(tx pgx.Tx) (err error) { vs, err = report.Versions(w.ctx, tx, w.tenant, w.review); return err }))
	return vs
}

func (w *demoWorld) count(sql string, args ...any) int {
	w.t.Helper()
	rows, err := w.super2(sql, args...)
	if err != nil || len(rows) != 1 {
		w.t.Fatalf("%s: %v", sql, err)
	}
	n, err := strconv.Atoi(rows[0][0])
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// TestSignOffSavesVersionsAndRecordsTheApproval: sending for quality assurance, approving and
// publishing each save a version, audited; approving records the version and the hash of the
// report it approved, which the saved version hashes to as well; publishing a report unchanged
// since its approval works.
func TestSignOffSavesVersionsAndRecordsTheApproval(t *testing.T) {
	t.Parallel()
	w := newDemoWorld(t)
	w.must(w.stage(w.lead, review.StatusDrafting, ""))
	m, err := w.move(w.lead, report.StatusQA, "")
	w.must(err)
	if m.Version != 1 {
		t.Fatalf("sending for quality assurance saved version %d, want 1", m.Version)
	}
	m, err = w.move(w.second, report.StatusApproved, "")
	w.must(err)
	if m.Version != 2 {
		t.Fatalf("approving saved version %d, want 2", m.Version)
	}
	l, doc := w.built()
	if l.State.ApprovedVersion != 2 || l.State.ApprovedHash != report.Hash(&doc) || !l.State.ApprovalHolds(&doc) {
		t.Fatalf("approval recorded version %d hash %q; the report hashes to %q", l.State.ApprovedVersion, l.State.ApprovedHash, report.Hash(&doc))
	}
	if l.Approved == nil || report.Hash(l.Approved) != l.State.ApprovedHash {
		t.Fatal("the approved version does not hash to the approved hash")
	}
	if lp := report.ChangedSinceApproval(l.State, l.Approved, &doc); lp != nil || l.State.Shown(&doc).Status != report.StatusApproved {
		t.Fatalf("an unchanged report shows as changed: %+v", lp)
	}
	m, err = w.move(w.lead, report.StatusPublished, "")
	w.must(err)
	if m.Lapse != nil || m.PublishedVersion != 3 || m.Version != 3 {
		t.Fatalf("publishing: %+v", m)
	}
	var labels []string
	for _, v := range w.versions() {
		labels = append(labels, v.Label)
	}
	if got := strings.Join(labels, ", "); got != "Published, Approved, Sent for quality assurance" {
		t.Errorf("versions, newest first: %s", got)
	}
	if n := w.count(`SELECT count(*) FROM audit_log WHERE action = 'report.version_saved' AND object_id = $1`, w.review); n != 3 {
		t.Errorf("%d versions audited, want 3", n)
	}
	if n := w.count(`SELECT count(*) FROM audit_log WHERE action = 'report.status_changed' AND object_id = $1
		AND after->>'approved_version' = '2' AND after->>'approved_hash' = $2`, w.review, l.State.ApprovedHash); n != 1 {
		t.Errorf("%d approvals audited with their version and hash, want 1", n)
	}
	_, st, _ := w.now()
	if st.Status != report.StatusPublished || st.ApprovedVersion != 2 || st.ApprovedHash != l.State.ApprovedHash {
		t.Errorf("after publishing: %+v", st)
	}
}

// TestApprovalLapsesWhenTheReportChanges: whatever changes what an approved report shows (its
// text, a finding, an example, a recommendation, a new visit or a renamed team role in the
// methodology), written here behind the app's back as any path would, the report is no longer
// shown as approved; the next sign-off step (publishing, from the report or the stage form) is
// refused and returns the report to drafting, audited; sent again and approved again, it
// publishes.
func TestApprovalLapsesWhenTheReportChanges(t *testing.T) {
	t.Parallel()
	changes := []struct {
		what, sql string
		byStage   bool // publish from the stage form rather than the report
	}{
		{"the summary", `INSERT INTO report_texts (tenant_id, review_id, key, body)
			SELECT tenant_id, id, 'summary', 'Families found help late.' FROM reviews WHERE id = $1
			ON CONFLICT (tenant_id, review_id, key) DO UPDATE SET body = EXCLUDED.body || ' Changed.'`, false},
		{"a finding", `UPDATE findings SET body = body || ' Changed.'
			WHERE id = (SELECT id FROM findings WHERE review_id = $1 ORDER BY position, id LIMIT 1)`, true},
		{"an example", `UPDATE practice_examples SET body = body || ' Changed.'
			WHERE id = (SELECT id FROM practice_examples WHERE review_id = $1 ORDER BY position, id LIMIT 1)`, false},
		{"a recommendation", `UPDATE recommendations SET body = body || ' Changed.'
			WHERE id = (SELECT id FROM recommendations WHERE review_id = $1 ORDER BY position, id LIMIT 1)`, false},
		{"a new visit", `INSERT INTO visits (tenant_id, review_id, area_id, start_date, days)
			SELECT tenant_id, review_id, area_id, current_date - 1, 3 FROM visits WHERE review_id = $1 ORDER BY start_date, id LIMIT 1`, true},
		{"a team role renamed", `UPDATE review_team_roles SET name = name || ' (senior)' WHERE review_id = $1`, false},
	}
	for _, c := range changes {
		t.Run(c.what, func(t *testing.T) {
			t.Parallel()
			w := newDemoWorld(t)
			w.approve()
			_, before := w.built()
			w.super(c.sql, w.review)
			l, doc := w.built()
			lp := report.ChangedSinceApproval(l.State, l.Approved, &doc)
			if lp == nil || lp.Persisted || lp.ApprovedVersion != 2 || lp.Changes == 0 {
				t.Fatalf("after changing %s: %+v (hash %s, approved %s)", c.what, lp, report.Hash(&doc), report.Hash(&before))
			}
			if s := l.State.Shown(&doc); s.Status != report.StatusDraft {
				t.Errorf("shown as %s", s.Status)
			}
			// The next step: publishing is refused, and the report and review return to drafting.
			var m report.Moved
			var err error
			if c.byStage {
				err = w.owner(func(tx pgx.Tx) error {
					rv, err := review.Get(w.ctx, tx, w.tenant, w.review)
					if err != nil {
						return err
					}
					m, err = report.MoveStage(w.ctx, tx, w.tenant, w.review, w.lead, rv.Version, review.StatusPublished, "")
					return err
				})
			} else {
				m, err = w.move(w.lead, report.StatusPublished, "")
			}
			w.must(err)
			if m.Lapse == nil || !m.Lapse.Persisted || m.PublishedVersion != 0 || m.To != review.StatusDrafting {
				t.Fatalf("publishing a changed report: %+v", m)
			}
			stage, st, _ := w.now()
			if stage != review.StatusDrafting || st.Status != report.StatusDraft || st.PublishedVersion != 0 || !agree(stage, st.Status) {
				t.Fatalf("after the refused publication: review %s, report %+v", stage, st)
			}
			if !strings.Contains(st.Note, "changed after version 2 was approved") {
				t.Errorf("note %q", st.Note)
			}
			if n := w.count(`SELECT count(*) FROM audit_log WHERE action = 'report.approval_lapsed' AND object_id = $1
				AND (after->>'changed_lines')::int > 0 AND before->>'approved_version' = '2'`, w.review); n != 1 {
				t.Errorf("%d lapses audited, want 1", n)
			}
			// The page keeps showing what changed since the approved version while it is drafted.
			l, doc = w.built()
			if lp := report.ChangedSinceApproval(l.State, l.Approved, &doc); lp == nil || !lp.Persisted || lp.Changes == 0 {
				t.Errorf("after the lapse: %+v", lp)
			}
			// Sent again and approved again, it publishes.
			w.approve()
			m, err = w.move(w.lead, report.StatusPublished, "")
			w.must(err)
			if m.Lapse != nil || m.PublishedVersion == 0 {
				t.Fatalf("publishing after approving again: %+v", m)
			}
		})
	}
}

// TestReturnToDraftOfAChangedReportNeedsNoNote: a report that changed after its approval can be
// returned to drafting without saying why: the lapse is the reason.
func TestReturnToDraftOfAChangedReportNeedsNoNote(t *testing.T) {
	t.Parallel()
	w := newDemoWorld(t)
	w.approve()
	w.super(`UPDATE review_addressees SET name = name || ' and partners' WHERE review_id = $1`, w.review)
	m, err := w.move(w.lead, report.StatusDraft, "")
	w.must(err)
	if m.Lapse == nil {
		t.Fatalf("returned to draft: %+v", m)
	}
	// Sending it again clears the record of the lapsed approval.
	w.must(w.step(w.lead, report.StatusQA, ""))
	if _, st, _ := w.now(); st.ApprovedVersion != 0 || st.ApprovedHash != "" {
		t.Errorf("sent again: %+v", st)
	}
}

// TestHashIsWhatTheReportShows: the hash survives a saved version's round trip through JSON,
// ignores what is never published (flags, the notes behind a block) and changes with any word.
func TestHashIsWhatTheReportShows(t *testing.T) {
	t.Parallel()
	w := newDemoWorld(t)
	_, doc := w.built()
	h := report.Hash(&doc)
	if again := w.hashNow(); again != h {
		t.Fatalf("two builds of the same data hash differently: %s and %s", h, again)
	}
	body, err := json.Marshal(&doc)
	w.must(err)
	var back report.Doc
	w.must(json.Unmarshal(body, &back))
	if report.Hash(&back) != h {
		t.Error("a version read back hashes differently")
	}
	for i := range back.Blocks {
		back.Blocks[i].Flag = "Look at this"
		back.Blocks[i].Origin.Notes = append(back.Blocks[i].Origin.Notes, "00000000-0000-0000-0000-000000000000")
	}
	if report.Hash(&back) != h {
		t.Error("flags and notes change the hash")
	}
	back.Blocks[len(back.Blocks)-1].Items = append(back.Blocks[len(back.Blocks)-1].Items, report.Text{{Text: "x"}})
	if report.Hash(&back) == h {
		t.Error("a new item does not change the hash")
	}
}

func (w *demoWorld) hashNow() string {
	_, d := w.built()
	return report.Hash(&d)
}
