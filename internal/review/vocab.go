package review

import (
	"strings"
	"unicode/utf8"
)

// A review's vocabularies are the lists of words its evidence, people and recommendations are
// described with: where evidence came from, the roles of the professionals interviewed, who
// recommendations are addressed to, the inspectorates taking part and the roles people hold on a
// team. They are the review's own data, edited by its lead; a new review starts from the general
// lists below, a template's lists or another review's.

// VocabKind names one of a review's vocabularies. It is also the path segment of its page.
type VocabKind string

// The vocabularies, in the order the lists page shows them.
const (
	VocabSources       VocabKind = "sources"
	VocabRoles         VocabKind = "roles"
	VocabAddressees    VocabKind = "addressees"
	VocabInspectorates VocabKind = "inspectorates"
	VocabTeamRoles     VocabKind = "team-roles"
)

// VocabKinds are every vocabulary, in page order.
var VocabKinds = []VocabKind{VocabSources, VocabRoles, VocabInspectorates, VocabTeamRoles, VocabAddressees}

// Valid reports whether k names a vocabulary.
func (k VocabKind) Valid() bool {
	for _, x := range VocabKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Title is the list's heading.
func (k VocabKind) Title() string {
	switch k {
	case VocabSources:
		return "Sources of evidence"
	case VocabRoles:
		return "Professional roles"
	case VocabAddressees:
		return "Recommendation addressees"
	case VocabInspectorates:
		return "Inspectorates"
	case VocabTeamRoles:
		return "Team roles"
	}
	return string(k)
}

// One is one value of the list in running text: "source of evidence".
func (k VocabKind) One() string {
	switch k {
	case VocabSources:
		return "source of evidence"
	case VocabRoles:
		return "professional role"
	case VocabAddressees:
		return "addressee"
	case VocabInspectorates:
		return "inspectorate"
	case VocabTeamRoles:
		return "team role"
	}
	return string(k)
}

// Hint says what the list is for.
func (k VocabKind) Hint() string {
	switch k {
	case VocabSources:
		return "Where a piece of evidence came from. A source that needs a role asks which professional it was, as an interview does."
	case VocabRoles:
		return "The roles of the professionals evidence comes from, such as an interview."
	case VocabAddressees:
		return "Who the report's recommendations are addressed to."
	case VocabInspectorates:
		return "The inspectorates taking part in the review. The methodology names them as written here."
	case VocabTeamRoles:
		return "The roles people hold on visit teams, such as lead inspector. The methodology uses them, in lower case where a sentence needs it."
	}
	return ""
}

// MaxLen is the longest value, as the database checks.
func (k VocabKind) MaxLen() int {
	if k == VocabInspectorates {
		return 100
	}
	return 200
}

// Term is one value of a vocabulary, with how much uses it.
type Term struct {
	ID        string
	Name      string
	NeedsRole bool // sources only: the note names the professional's role
	Position  int
	Version   int
	Uses      int // live uses: notes, recommendations, people and visit places
	Deleted   int // deleted notes that still name it (sources and roles)
}

// Vocabulary is a review's lists as plain names, in order: what a template, a framework file or
// an archive carries, and what a new review is given.
type Vocabulary struct {
	Sources       []SourceName `json:"evidence_sources,omitempty"`
	Roles         []string     `json:"professional_roles,omitempty"`
	Inspectorates []string     `json:"inspectorates,omitempty"`
	TeamRoles     []string     `json:"team_roles,omitempty"`
	Addressees    []string     `json:"addressees,omitempty"`
}

// SourceName is a source of evidence as a template lists it.
type SourceName struct {
	Name      string `json:"name"`
	NeedsRole bool   `json:"needs_role,omitempty"`
}

// Names lists the values of one vocabulary.
func (v Vocabulary) Names(k VocabKind) []string {
	switch k {
	case VocabSources:
		out := make([]string, len(v.Sources))
		for i, s := range v.Sources {
			out[i] = s.Name
		}
		return out
	case VocabRoles:
		return v.Roles
	case VocabAddressees:
		return v.Addressees
	case VocabInspectorates:
		return v.Inspectorates
	case VocabTeamRoles:
		return v.TeamRoles
	}
	return nil
}

// Empty reports whether no list has a value.
func (v Vocabulary) Empty() bool {
	for _, k := range VocabKinds {
		if len(v.Names(k)) > 0 {
			return false
		}
	}
	return true
}

// GeneralVocabulary is what a blank review starts with: lists general enough for most reviews,
// which the lead adapts. Its inspectorate is the organisation running the review.
func GeneralVocabulary(organisation string) Vocabulary {
	v := Vocabulary{
		Sources: []SourceName{
			{Name: "Observation of practice"},
			{Name: "Focus group with parents or carers"},
			{Name: "Focus group with children or young people"},
			{Name: "Interview with a professional", NeedsRole: true},
			{Name: "Meeting with leaders"},
			{Name: "Case-file audit"},
			{Name: "Document or self-assessment review"},
			{Name: "Questionnaire"},
			{Name: "Feedback session"},
		},
		Roles: []string{"Social worker", "Health visitor", "Midwife", "GP", "School staff", "Early years practitioner",
			"Police officer", "Probation officer", "Youth justice worker", "Adult mental health worker",
			"Substance misuse worker", "Family support worker", "Volunteer", "Senior leader"},
		TeamRoles:  []string{"Lead inspector", "Inspector", "Specialist adviser"},
		Addressees: []string{"Central government", "Local authorities", "Local partnerships", "Service providers"},
	}
	if name := strings.Join(strings.Fields(organisation), " "); name != "" && utf8.RuneCountInString(name) <= VocabInspectorates.MaxLen() {
		v.Inspectorates = []string{name}
	}
	return v
}

// CheckTermName tidies a typed value and says what is wrong with it, if anything.
func CheckTermName(k VocabKind, typed string) (string, string) {
	name := strings.Join(strings.Fields(typed), " ")
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return name, "Enter the " + k.One()
	case n > k.MaxLen():
		return name, upperFirst(k.One()) + " must be " + itoa(k.MaxLen()) + " characters or fewer"
	}
	return name, ""
}

// Check tidies every list and reports problems with their place ("team_roles[2]: must not be
// empty"), as a file import needs: empty or over-long values, and values repeated in one list
// whatever their case. Values with a problem are left out.
func (v *Vocabulary) Check() []string {
	var probs []string
	clean := func(k VocabKind, field string, names []string) (out []string, keep []bool) {
		seen := map[string]bool{}
		for i, typed := range names {
			name := strings.Join(strings.Fields(typed), " ")
			place := field + "[" + itoa(i) + "]"
			switch n := utf8.RuneCountInString(name); {
			case n == 0:
				probs = append(probs, place+": must not be empty")
			case n > k.MaxLen():
				probs = append(probs, place+": must be "+itoa(k.MaxLen())+" characters or fewer")
			case seen[strings.ToLower(name)]:
				probs = append(probs, place+": “"+name+"” is already in the list")
			default:
				seen[strings.ToLower(name)] = true
				out = append(out, name)
				keep = append(keep, true)
				continue
			}
			keep = append(keep, false)
		}
		return out, keep
	}
	_, keep := clean(VocabSources, "evidence_sources", v.Names(VocabSources))
	var sources []SourceName
	for i, s := range v.Sources {
		if keep[i] {
			sources = append(sources, SourceName{Name: strings.Join(strings.Fields(s.Name), " "), NeedsRole: s.NeedsRole})
		}
	}
	v.Sources = sources
	v.Roles, _ = clean(VocabRoles, "professional_roles", v.Roles)
	v.Inspectorates, _ = clean(VocabInspectorates, "inspectorates", v.Inspectorates)
	v.TeamRoles, _ = clean(VocabTeamRoles, "team_roles", v.TeamRoles)
	v.Addressees, _ = clean(VocabAddressees, "addressees", v.Addressees)
	return probs
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// StartForLifeVocabulary is the built-in Start for Life template's lists.
func StartForLifeVocabulary() Vocabulary {
	tpls, err := Templates()
	if err != nil {
		panic(err) // the templates are embedded: a broken one fails every test
	}
	return tpls[StartForLife].Vocabulary
}
