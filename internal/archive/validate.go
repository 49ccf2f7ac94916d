package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Parse reads an archive and checks everything that needs no database: that it is JSON of this
// format and version, its shape against the schema (types, required fields, lengths, ranges,
// enumerations, dates), that refs are unique and every link resolves to an object of the right
// kind, and the rules between fields. A file with problems answers *Invalid listing the first
// MaxProblems of them.
//
// A ZIP file (an archive with documents) is read too: its archive.json is checked as above, and
// each document's bytes against the size and SHA-256 the JSON gives.
func Parse(data []byte) (*Archive, error) { return ParseWithin(data, 0) }

// ValueBytes is how many bytes of the largest archive accepted allow one JSON value (a field or
// a list entry): once read, a value costs some tens of bytes however short it is, so a file of
// millions of tiny values would cost many times its size.
const ValueBytes = 32

// ParseWithin is Parse for a caller that accepts archives of at most max bytes (0: any), such as
// the web import: the archive.json of a ZIP file may be no larger, and the JSON may hold no more
// than max/ValueBytes values. What reading the file costs is then bounded by a multiple of max.
func ParseWithin(data []byte, max int64) (*Archive, error) {
	if !IsZip(data) {
		a, err := parseJSON(data, max)
		if err == nil && len(a.Documents) > 0 {
			ps := &problems{}
			ps.add("documents", "the archive lists %d documents but their files are not with it: an archive with documents is a ZIP file; import the ZIP file the export gave", len(a.Documents))
			return nil, ps.invalid()
		}
		return a, err
	}
	jsonMax := int64(len(data))*20 + 1<<20
	if max > 0 {
		jsonMax = max
	}
	jsonData, files, ps := unzip(data, jsonMax)
	if len(ps.list) > 0 {
		return nil, ps.invalid()
	}
	a, err := parseJSON(jsonData, max)
	if err != nil {
		return nil, err
	}
	a.readDocuments(files, ps)
	if len(ps.list) > 0 {
		return nil, ps.invalid()
	}
	return a, nil
}

// parseJSON reads and checks an archive's JSON; max is as for ParseWithin.
func parseJSON(data []byte, max int64) (*Archive, error) {
	ps := &problems{}
	if len(bytes.TrimSpace(data)) == 0 {
		ps.add("", "the file is empty")
		return nil, ps.invalid()
	}
	if err := syntax(data); err != nil {
		ps.add("", "%s", err.Error())
		return nil, ps.invalid()
	}
	// The format and version first: a file of another kind gets one clear message, not hundreds.
	var head struct {
		Format  any `json:"format"`
		Version any `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		ps.add("", "the file is not a review archive: it must be a JSON object")
		return nil, ps.invalid()
	}
	if head.Format != Format {
		ps.add("format", "the file is not a review archive: \"format\" must be %q", Format)
		return nil, ps.invalid()
	}
	if v, ok := head.Version.(float64); !ok || !slices.Contains(Versions, int(v)) || v != float64(int(v)) {
		ps.add("version", "this service reads versions 1 and %d of the archive format; the file says %s", Version, quoteValue(head.Version))
		return nil, ps.invalid()
	}
	// Only a file of the right shape, and not too many values, is read into memory whole.
	if err := checkShape(data, max/ValueBytes, ps); err != nil {
		return nil, err
	}
	if len(ps.list) > 0 {
		return nil, ps.invalid()
	}
	var a Archive
	if err := json.Unmarshal(data, &a); err != nil {
		ps.add("", "the file could not be read: %v", err)
		return nil, ps.invalid()
	}
	a.normalise()
	checkLinks(&a, ps)
	checkReport(&a, ps)
	if len(ps.list) > 0 {
		return nil, ps.invalid()
	}
	return &a, nil
}

// syntax reports where the JSON is broken, by line and column.
func syntax(data []byte) error {
	if json.Valid(data) {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(&v)
	if err == nil {
		if _, err := dec.Token(); err == nil {
			return errors.New("the file is not valid JSON: there is more after the end of the archive")
		}
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(data, se.Offset)
		return fmt.Errorf("the file is not valid JSON: %s (line %d, column %d)", se.Error(), line, col)
	}
	return fmt.Errorf("the file is not valid JSON: %v", err)
}

func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func normEmailPtr(s *string) *string {
	if s == nil {
		return nil
	}
	e := normEmail(*s)
	return &e
}

// normalise lower-cases email addresses.
func (a *Archive) normalise() {
	for i := range a.Members {
		a.Members[i].Email = normEmail(a.Members[i].Email)
	}
	for i := range a.Visits {
		for j := range a.Visits[i].Team {
			a.Visits[i].Team[j].Email = normEmail(a.Visits[i].Team[j].Email)
		}
	}
	for i := range a.Notes {
		a.Notes[i].Author = normEmail(a.Notes[i].Author)
	}
	sa := &a.SelfAssessment
	for i := range sa.Submissions {
		sa.Submissions[i].SubmittedBy, sa.Submissions[i].ReopenedBy = normEmailPtr(sa.Submissions[i].SubmittedBy), normEmailPtr(sa.Submissions[i].ReopenedBy)
	}
	for i := range sa.Answers {
		sa.Answers[i].UpdatedBy = normEmailPtr(sa.Answers[i].UpdatedBy)
	}
	for i := range a.Questionnaires {
		a.Questionnaires[i].ImportedBy = normEmailPtr(a.Questionnaires[i].ImportedBy)
	}
	for i := range a.Findings {
		a.Findings[i].CreatedBy = normEmailPtr(a.Findings[i].CreatedBy)
	}
	for i := range a.Examples {
		a.Examples[i].CreatedBy = normEmailPtr(a.Examples[i].CreatedBy)
	}
	for i := range a.Recommendations {
		a.Recommendations[i].CreatedBy = normEmailPtr(a.Recommendations[i].CreatedBy)
	}
	for i := range a.Documents {
		a.Documents[i].UploadedBy = normEmailPtr(a.Documents[i].UploadedBy)
		a.Documents[i].SHA256 = strings.ToLower(a.Documents[i].SHA256)
	}
	if a.Report != nil {
		a.Report.By = normEmailPtr(a.Report.By)
	}
	for i := range a.ReportVersions {
		a.ReportVersions[i].CreatedBy = normEmailPtr(a.ReportVersions[i].CreatedBy)
	}
	a.normaliseReviewNotes()
}

// kinds of object a ref can name, for messages.
const (
	kArea          = "area"
	kEnquiryGroup  = "enquiry group"
	kLine          = "line of enquiry"
	kGroup         = "framework group"
	kActionArea    = "action area"
	kVisit         = "visit"
	kSource        = "evidence source"
	kRole          = "evidence role"
	kElement       = "self-assessment element"
	kLevel         = "self-assessment level"
	kBand          = "quantifier band"
	kNote          = "note"
	kFinding       = "finding"
	kExample       = "example"
	kRecommendtion = "recommendation"
	kDocument      = "document"
)

type linker struct {
	ps    *problems
	refs  map[string]string // ref → kind
	where map[string]string // ref → path where it is defined
}

// define records a ref, refusing one used already anywhere in the file.
func (l *linker) define(path, ref, kind string) {
	if first, ok := l.where[ref]; ok {
		l.ps.add(path+".ref", "the ref %q is used already (at %s): every ref must be unique in the file", ref, first)
		return
	}
	l.refs[ref], l.where[ref] = kind, path
}

// resolve checks that a link names an object of the kind wanted.
func (l *linker) resolve(path, ref, kind string) bool {
	got, ok := l.refs[ref]
	switch {
	case !ok:
		l.ps.add(path, "no %s with ref %q", kind, ref)
		return false
	case got != kind:
		l.ps.add(path, "%q is a %s, not a %s", ref, got, kind)
		return false
	}
	return true
}

// resolveAll checks a list of links: each resolves and appears once.
func (l *linker) resolveAll(path string, list []string, kind string) {
	seen := map[string]bool{}
	for i, ref := range list {
		p := idx(path, i)
		if seen[ref] {
			l.ps.add(p, "%q is listed twice", ref)
			continue
		}
		seen[ref] = true
		l.resolve(p, ref, kind)
	}
}

func dateOf(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return len(s) >= 3 && len(s) <= 320 && at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n")
}

func (l *linker) email(path string, s *string) {
	if s != nil && !validEmail(*s) {
		l.ps.add(path, "%q is not an email address", short(*s))
	}
}

// checkLinks checks refs, links and the rules between fields of a well-shaped archive.
func checkLinks(a *Archive, ps *problems) {
	l := &linker{ps: ps, refs: map[string]string{}, where: map[string]string{}}
	// Every object's ref first, so that links may point forwards.
	for i, ln := range a.EnquiryLines {
		l.define(idx("enquiry_lines", i), ln.Ref, kLine)
	}
	for i, g := range a.EnquiryGroups {
		p := idx("enquiry_groups", i)
		l.define(p, g.Ref, kEnquiryGroup)
		for j, ln := range g.Lines {
			l.define(idx(p+".lines", j), ln.Ref, kLine)
		}
	}
	for i, g := range a.FrameworkGroups {
		p := idx("framework_groups", i)
		l.define(p, g.Ref, kGroup)
		for j, aa := range g.ActionAreas {
			l.define(idx(p+".action_areas", j), aa.Ref, kActionArea)
		}
	}
	for i, x := range a.Areas {
		l.define(idx("areas", i), x.Ref, kArea)
	}
	for i, x := range a.Visits {
		l.define(idx("visits", i), x.Ref, kVisit)
	}
	for i, x := range a.EvidenceSources {
		l.define(idx("evidence_sources", i), x.Ref, kSource)
	}
	for i, x := range a.EvidenceRoles {
		l.define(idx("evidence_roles", i), x.Ref, kRole)
	}
	for i, x := range a.SelfAssessment.Elements {
		l.define(idx("self_assessment.elements", i), x.Ref, kElement)
	}
	for i, x := range a.SelfAssessment.Levels {
		l.define(idx("self_assessment.levels", i), x.Ref, kLevel)
	}
	for i, x := range a.QuantifierScale {
		l.define(idx("quantifier_scale", i), x.Ref, kBand)
	}
	for i, x := range a.Notes {
		l.define(idx("notes", i), x.Ref, kNote)
	}
	for i, x := range a.Findings {
		l.define(idx("findings", i), x.Ref, kFinding)
	}
	for i, x := range a.Examples {
		l.define(idx("examples", i), x.Ref, kExample)
	}
	for i, x := range a.Recommendations {
		l.define(idx("recommendations", i), x.Ref, kRecommendtion)
	}
	for i, x := range a.Documents {
		l.define(idx("documents", i), x.Ref, kDocument)
	}

	rv := a.Review
	if rv.FieldworkStart != nil && rv.FieldworkEnd != nil && dateOf(*rv.FieldworkEnd).Before(dateOf(*rv.FieldworkStart)) {
		ps.add(sectionReview+".fieldwork_end", "must not be before fieldwork_start")
	}

	ons := map[string]int{}
	for i, x := range a.Areas {
		if j, ok := ons[x.ONSCode]; ok {
			ps.add(idx("areas", i)+".ons_code", "the area %s is listed already (areas[%d])", x.ONSCode, j)
		}
		ons[x.ONSCode] = i
	}

	members := map[string]bool{}
	for i, m := range a.Members {
		p := idx("members", i)
		if members[m.Email] {
			ps.add(p+".email", "%s is listed twice", m.Email)
		}
		members[m.Email] = true
		switch {
		case m.Role == "la_contact" && m.Area == nil:
			ps.add(p+".area", "a local authority contact must name their area")
		case m.Role != "la_contact" && m.Area != nil:
			ps.add(p+".area", "only a local authority contact has an area: must be null for the role %q", m.Role)
		case m.Area != nil:
			l.resolve(p+".area", *m.Area, kArea)
		}
	}

	visits := map[string]Visit{}
	onSite := map[string]string{} // email|day → path
	for i, v := range a.Visits {
		p := idx("visits", i)
		visits[v.Ref] = v
		l.resolve(p+".area", v.Area, kArea)
		var start, last time.Time
		if v.StartDate != nil {
			start = dateOf(*v.StartDate)
			last = start.AddDate(0, 0, v.Days-1)
		}
		team := map[string]bool{}
		for j, t := range v.Team {
			tp := idx(p+".team", j)
			if team[t.Email] {
				ps.add(tp+".email", "%s is listed twice in the team", t.Email)
			}
			team[t.Email] = true
			if !members[t.Email] {
				ps.add(tp+".email", "%q is not one of the review's members", t.Email)
			}
			days := map[string]bool{}
			for k, d := range t.Days {
				dp := idx(tp+".days", k)
				day := dateOf(d)
				switch {
				case days[d]:
					ps.add(dp, "%s is listed twice", d)
				case v.StartDate == nil:
					ps.add(dp, "%s: the visit has no start date, so nobody has days on site yet", d)
				case day.Before(start) || day.After(last):
					ps.add(dp, "%s is not a day of the visit (%s to %s)", d, *v.StartDate, last.Format(time.DateOnly))
				default:
					if other, ok := onSite[t.Email+"|"+d]; ok {
						ps.add(dp, "%s is on site at another visit on %s (%s)", t.Email, d, other)
					}
					onSite[t.Email+"|"+d] = dp
				}
				days[d] = true
			}
		}
	}

	uniqueNames := func(path string, names []string) map[string]bool {
		seen := make(map[string]bool, len(names))
		for i, n := range names {
			k := strings.ToLower(n)
			if seen[k] {
				ps.add(idx(path, i), "%q is listed twice (names are compared without regard to case)", n)
			}
			seen[k] = true
		}
		return seen
	}
	var names []string
	for _, s := range a.EvidenceSources {
		names = append(names, s.Name)
	}
	uniqueNames("evidence_sources", names)
	names = names[:0]
	for _, s := range a.EvidenceRoles {
		names = append(names, s.Name)
	}
	uniqueNames("evidence_roles", names)
	themes := uniqueNames("themes", a.Themes) // by lower-case name, for the notes' tags
	uniqueNames("inspectorates", a.Inspectorates)
	uniqueNames("team_roles", a.TeamRoles)
	uniqueNames("addressees", a.Addressees)

	sa := a.SelfAssessment
	perArea := func(path string, i int, area string, seen map[string]bool) {
		p := idx(path, i)
		if l.resolve(p+".area", area, kArea) {
			if seen[area] {
				ps.add(p+".area", "the area %q is listed twice", area)
			}
			seen[area] = true
		}
	}
	seen := map[string]bool{}
	for i, d := range sa.Deadlines {
		perArea("self_assessment.deadlines", i, d.Area, seen)
	}
	seen = map[string]bool{}
	for i, s := range sa.Submissions {
		perArea("self_assessment.submissions", i, s.Area, seen)
		p := idx("self_assessment.submissions", i)
		l.email(p+".submitted_by", s.SubmittedBy)
		l.email(p+".reopened_by", s.ReopenedBy)
	}
	seen = map[string]bool{}
	for i, x := range sa.Answers {
		p := idx("self_assessment.answers", i)
		okArea := l.resolve(p+".area", x.Area, kArea)
		okEl := l.resolve(p+".element", x.Element, kElement)
		if okArea && okEl {
			if seen[x.Area+"|"+x.Element] {
				ps.add(p, "the area %q has two answers for the element %q", x.Area, x.Element)
			}
			seen[x.Area+"|"+x.Element] = true
		}
		if x.Level != nil {
			l.resolve(p+".level", *x.Level, kLevel)
		}
		l.email(p+".updated_by", x.UpdatedBy)
	}

	seen = map[string]bool{}
	for i, q := range a.Questionnaires {
		perArea("questionnaires", i, q.Area, seen)
		p := idx("questionnaires", i)
		l.email(p+".imported_by", q.ImportedBy)
		pairs := map[string]bool{}
		for j, c := range q.Counts {
			k := c.Question + "\x00" + c.Answer
			if pairs[k] {
				ps.add(idx(p+".counts", j), "the question %q has the answer %q twice", short(c.Question), short(c.Answer))
			}
			pairs[k] = true
		}
	}

	special := map[string]bool{}
	for i, b := range a.QuantifierScale {
		if b.Special != nil {
			if special[*b.Special] {
				ps.add(idx("quantifier_scale", i)+".special", "only one band may be %q", *b.Special)
			}
			special[*b.Special] = true
		}
	}

	for i, n := range a.Notes {
		p := idx("notes", i)
		l.resolve(p+".visit", n.Visit, kVisit)
		l.resolve(p+".source", n.Source, kSource)
		if n.Role != nil {
			l.resolve(p+".role", *n.Role, kRole)
		}
		l.resolveAll(p+".action_areas", n.ActionAreas, kActionArea)
		l.resolveAll(p+".lines", n.Lines, kLine)
		tags := map[string]bool{}
		for j, t := range n.Themes {
			k := strings.ToLower(t)
			switch {
			case tags[k]:
				ps.add(idx(p+".themes", j), "%q is listed twice", t)
			case !themes[k]:
				ps.add(idx(p+".themes", j), "%q is not one of the review's themes", t)
			}
			tags[k] = true
		}
	}

	for i, f := range a.Findings {
		p := idx("findings", i)
		l.resolve(p+".action_area", f.ActionArea, kActionArea)
		if f.WordOverride != "" && strings.TrimSpace(f.OverrideReason) == "" {
			ps.add(p+".override_reason", "give the reason the words were overridden")
		}
		l.email(p+".created_by", f.CreatedBy)
		l.resolveAll(p+".supporting_notes", f.SupportingNotes, kNote)
		l.resolveAll(p+".contradicting_notes", f.ContradictingNotes, kNote)
		sup := map[string]bool{}
		for _, n := range f.SupportingNotes {
			sup[n] = true
		}
		for j, n := range f.ContradictingNotes {
			if sup[n] {
				ps.add(idx(p+".contradicting_notes", j), "%q cannot both support the finding and cut against it", n)
			}
		}
	}
	for i, x := range a.Examples {
		p := idx("examples", i)
		l.resolve(p+".action_area", x.ActionArea, kActionArea)
		l.resolve(p+".area", x.Area, kArea)
		if x.Note != nil {
			l.resolve(p+".note", *x.Note, kNote)
		}
		l.email(p+".created_by", x.CreatedBy)
	}
	for i, r := range a.Recommendations {
		p := idx("recommendations", i)
		l.resolveAll(p+".findings", r.Findings, kFinding)
		l.email(p+".created_by", r.CreatedBy)
	}
	for i, d := range a.Documents {
		p := idx("documents", i)
		l.resolve(p+".area", d.Area, kArea)
		l.email(p+".uploaded_by", d.UploadedBy)
		l.resolveAll(p+".notes", d.Notes, kNote)
	}
	keys := map[string]bool{}
	for i, t := range a.ReportTexts {
		p := idx("report_texts", i) + ".key"
		if keys[t.Key] {
			ps.add(p, "the section %q is listed twice", t.Key)
		}
		keys[t.Key] = true
		kind, ref, _ := strings.Cut(t.Key, ":")
		switch kind {
		case "group":
			l.resolve(p, ref, kGroup)
		case "area":
			l.resolve(p, ref, kActionArea)
		}
	}
	checkReviewNotes(a, l)
}

// checkReport checks the saved versions' numbers and the version the report was published as.
func checkReport(a *Archive, ps *problems) {
	numbers := map[int]bool{}
	for i, v := range a.ReportVersions {
		if numbers[v.Number] {
			ps.add(idx("report_versions", i)+".number", "the version %d is listed twice", v.Number)
		}
		numbers[v.Number] = true
		var doc map[string]any
		if err := json.Unmarshal(v.Doc, &doc); err != nil {
			ps.add(idx("report_versions", i)+".doc", "must be a report document (a JSON object)")
		}
	}
	if r := a.Report; r != nil {
		if r.PublishedVersion != nil && !numbers[*r.PublishedVersion] {
			ps.add("report.published_version", "no saved version has the number %d", *r.PublishedVersion)
		}
		if r.By != nil && !validEmail(*r.By) {
			ps.add("report.by", "%q is not an email address", short(*r.By))
		}
	}
	for i, v := range a.ReportVersions {
		if v.CreatedBy != nil && !validEmail(*v.CreatedBy) {
			ps.add(idx("report_versions", i)+".created_by", "%q is not an email address", short(*v.CreatedBy))
		}
	}
}

// sectionReview is the review's section, for paths of its fields.
const sectionReview = "review"
