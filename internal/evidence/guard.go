package evidence

// The personal-data guard: notes are about what happened, not who. Scan looks for text that
// resembles personal data so that the inspector can edit it or confirm it before the note is
// saved. The detector is internal/personal's, shared with the example form and the report's
// publication check.

import "thematic/internal/personal"

// Kinds of personal data the guard reports, in Finding.Kind.
const (
	GuardKindEmail       = personal.KindEmail
	GuardKindPhone       = personal.KindPhone
	GuardKindNHSNumber   = personal.KindNHSNumber
	GuardKindNINumber    = personal.KindNINumber
	GuardKindPostcode    = personal.KindPostcode
	GuardKindDateOfBirth = personal.KindDateOfBirth
	GuardKindAddress     = personal.KindAddress
	GuardKindName        = personal.KindName
	GuardKindStaffName   = personal.KindStaff
	GuardKindChildName   = personal.KindChild
	GuardKindFamily      = personal.KindFamily
)

// Finding is one stretch of a note's text that looks like personal data. Start and End are byte
// offsets into the scanned text: text[Start:End] == Text.
type Finding = personal.Hit

// Scan returns the stretches of text that look like personal data, sorted by Start and never
// overlapping. staff are the names of the review's people (its members and local authority
// contacts): found as staff, not as people who use the service.
func Scan(text string, staff []string) []Finding {
	return personal.Find(text, staff)
}

// Summary describes findings in one line, for example "2 possible items of personal data: an
// email address, a person's name". It returns "" when there are no findings.
func Summary(findings []Finding) string {
	return personal.Summary(findings)
}
