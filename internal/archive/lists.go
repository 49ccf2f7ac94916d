package archive

import (
	"strings"

	"thematic/internal/review"
)

// vocabLists writes the review's inspectorates, team roles and recommendation addressees, each
// in the lead's order.
func (e *exporter) vocabLists() error {
	for _, l := range []struct{ what, key string }{
		{"inspectorates", "inspectorates"}, {"team roles", "team_roles"}, {"addressees", "addressees"},
	} {
		if err := e.names(l.what, l.key); err != nil {
			return err
		}
	}
	return nil
}

// vocabularies gives the review the archive's inspectorates, team roles and recommendation
// addressees, in its order, then any value its people and recommendations name that the lists
// lack, in the order they first appear. A version 1 archive has no lists: the review gets the
// values in use only.
func (w *writer) vocabularies() error {
	var v review.Vocabulary
	seen := map[string]bool{}
	add := func(list *[]string, kind, name string) {
		if name = strings.TrimSpace(name); name != "" && !seen[kind+"\x00"+strings.ToLower(name)] {
			seen[kind+"\x00"+strings.ToLower(name)] = true
			*list = append(*list, name)
		}
	}
	for _, n := range w.a.Inspectorates {
		add(&v.Inspectorates, "i", n)
	}
	for _, n := range w.a.TeamRoles {
		add(&v.TeamRoles, "t", n)
	}
	for _, n := range w.a.Addressees {
		add(&v.Addressees, "a", n)
	}
	for _, m := range w.a.Members {
		add(&v.Inspectorates, "i", m.Inspectorate)
		add(&v.TeamRoles, "t", m.JobTitle)
	}
	for _, vis := range w.a.Visits {
		for _, t := range vis.Team {
			if t.Inspectorate != nil {
				add(&v.Inspectorates, "i", *t.Inspectorate)
			}
			if t.JobTitle != nil {
				add(&v.TeamRoles, "t", *t.JobTitle)
			}
		}
	}
	for _, r := range w.a.Recommendations {
		add(&v.Addressees, "a", r.Addressee)
	}
	return review.SeedVocabulary(w.ctx, w.tx, w.tenant, w.reviewID, v)
}
