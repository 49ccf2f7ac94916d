package reviewview

import (
	"strconv"

	"thematic/internal/form"
	"thematic/internal/report"
	domain "thematic/internal/review"
)

// stageRow is one of the six stages in the overview's list.
type stageRow struct {
	Status domain.Status
	Hint   string
	Done   bool // the review has been through it
	Now    bool // the review is at it
}

// stageHints say what happens at each stage.
var stageHints = map[domain.Status]string{
	domain.StatusSetup:     "The framework, lines of enquiry, local areas, people and visits",
	domain.StatusFieldwork: "Inspectors visit the areas and record evidence",
	domain.StatusAnalysis:  "Findings, examples and recommendations drawn from the evidence",
	domain.StatusDrafting:  "The report is written; the evidence is locked",
	domain.StatusQA:        "A second lead approves the report or asks for changes; nothing changes meanwhile",
	domain.StatusPublished: "The report is published; only a correction reopens it",
}

func stageRows(cur domain.Status) []stageRow {
	var out []stageRow
	for _, s := range domain.Statuses {
		out = append(out, stageRow{Status: s, Hint: stageHints[s], Done: s.Index() < cur.Index(), Now: s == cur})
	}
	return out
}

// stageLocks says, in sentences, what the review's stage locks.
func stageLocks(r domain.Review) []string {
	switch r.Status {
	case domain.StatusSetup, domain.StatusFieldwork, domain.StatusAnalysis:
		out := []string{"Nothing is locked: the set-up, the evidence, the findings, examples and recommendations and the report can all change."}
		if r.Status == domain.StatusAnalysis {
			out = append(out, "Moving on to drafting locks the evidence.")
		}
		return out
	case domain.StatusDrafting:
		evidence := "The evidence is locked: no notes can be recorded or changed. A lead can unlock it to let late notes in."
		if !r.EvidenceLocked {
			evidence = "A lead has unlocked the evidence: late notes can be recorded until it is locked again or the review moves on."
		}
		return []string{evidence, "The set-up, the findings, examples and recommendations and the report can still change."}
	case domain.StatusQA:
		return []string{"Nothing can change while the report is in quality assurance: not the set-up, the evidence, " +
			"the findings, examples and recommendations, or the report. Moving back to drafting allows changes again."}
	case domain.StatusPublished:
		return []string{"Nothing can change: the review is published. A correction moves it back to drafting and reopens the report."}
	}
	return nil
}

// nextNote explains the next move where needs alone do not.
func nextNote(v OverviewView) string {
	switch next := v.Review.Status.Next(); {
	case next == domain.StatusQA:
		return "Moving on sends the report for quality assurance: another lead of the review then approves it or asks for changes."
	case next == domain.StatusPublished && v.Report.Status == report.StatusApproved:
		return "Publishing runs the publication check first: anything it finds must be fixed or kept with a reason."
	case next == domain.StatusPublished:
		return "A lead other than the one who sent the report for quality assurance decides on it from the report page."
	}
	return ""
}

// needPage names the review's page where a need is met.
func needPage(page string) string {
	switch page {
	case "areas":
		return "local areas"
	case "framework":
		return "the framework"
	case "synthesis":
		return "synthesis"
	case "report":
		return "the report"
	}
	return page
}

// moveOnLabel is the button that moves the review on to s.
func moveOnLabel(s domain.Status) string {
	switch s {
	case domain.StatusQA:
		return "Send the report for quality assurance"
	case domain.StatusPublished:
		return "Publish the report"
	}
	return "Move on to " + s.Label()
}

// canMoveOn says whether the lead is offered the move on: publishing only an approved report.
func canMoveOn(v OverviewView) bool {
	next := v.Review.Status.Next()
	return next != "" && (next != domain.StatusPublished || v.Report.Status == report.StatusApproved)
}

// moveBackLabel is the link to the move-back page.
func moveBackLabel(s domain.Status) string {
	if s == domain.StatusPublished {
		return "Correct the published review"
	}
	return "Move back to " + s.Back().Label()
}

// StageBackView is the page that moves a review back a stage, with the reason it needs.
type StageBackView struct {
	Review domain.Review
	Report report.State
	Reason string
	Errors *form.Errors
}

// Heading is the page's heading and title.
func (v StageBackView) Heading() string {
	switch {
	case v.Review.Status == domain.StatusPublished:
		return "Correct the published review"
	case v.Review.Status.Back() == "":
		return "The review cannot move back"
	}
	return "Move the review back to " + v.Review.Status.Back().Label()
}

// Effects says what moving back does.
func (v StageBackView) Effects() []string {
	switch v.Review.Status {
	case domain.StatusPublished:
		out := []string{"The review goes back to drafting and the report is reopened as a draft, so that it can be corrected."}
		if v.Report.PublishedVersion > 0 {
			out = append(out, "The published report stays recorded as version "+strconv.Itoa(v.Report.PublishedVersion)+".")
		}
		return append(out, "The corrected report goes through quality assurance again before it is published.")
	case domain.StatusQA:
		return []string{"The report comes out of quality assurance and can be changed again.",
			"It goes through quality assurance again when the review moves on."}
	case domain.StatusDrafting:
		return []string{"The evidence is unlocked: notes can be recorded and changed again."}
	}
	return []string{"Nothing is locked at either stage."}
}

// ReasonLabel is the reason field's label.
func (v StageBackView) ReasonLabel() string {
	if v.Review.Status == domain.StatusPublished {
		return "What needs correcting?"
	}
	return "Why is the review moving back?"
}

// Button is the submit button's text.
func (v StageBackView) Button() string {
	if v.Review.Status == domain.StatusPublished {
		return "Reopen the review for a correction"
	}
	return "Move back to " + v.Review.Status.Back().Label()
}
