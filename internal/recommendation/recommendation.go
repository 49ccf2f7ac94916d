// Package recommendation holds a review's recommendations: numbered by their order, each
// addressed to one of the review's addressees (its own list: "Central government", "Local
// areas"…) and answering some of the review's findings.
package recommendation

import (
	"strings"
	"unicode/utf8"

	"thematic/internal/form"
	"thematic/internal/text"
)

// Recommendation is one recommendation with the findings it answers.
type Recommendation struct {
	ID         string
	ReviewID   string
	Number     int // its place in the list, from 1: the number the report prints
	Position   int
	Body       string
	Addressee  string
	Version    int
	FindingIDs []string // in report order
}

// Input is what the recommendation form sends.
type Input struct {
	Body       string
	Addressee  string
	FindingIDs []string
	Key        string // idempotency key of a new recommendation
	Version    int
}

// Validate checks the form's own fields (the store checks the findings against the review).
func (in *Input) Validate() *form.Errors {
	errs := &form.Errors{}
	in.Body = strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n"))
	in.Addressee = strings.TrimSpace(in.Addressee)
	switch {
	case in.Body == "":
		errs.Add("body", "Enter the recommendation")
	case utf8.RuneCountInString(in.Body) > 3000:
		errs.Add("body", "The recommendation must be 3,000 characters or fewer")
	}
	switch {
	case in.Addressee == "":
		errs.Add("addressee", "Choose who the recommendation is for")
	case utf8.RuneCountInString(in.Addressee) > 200:
		errs.Add("addressee", "Who the recommendation is for must be 200 characters or fewer")
	}
	in.FindingIDs = text.DedupeTrimmed(in.FindingIDs)
	return errs
}
