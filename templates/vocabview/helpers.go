package vocabview

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	domain "thematic/internal/review"

	"thematic/internal/text"
)

// reviewURL is a path under a review: reviewURL(id) is its overview.
func reviewURL(id string, parts ...string) templ.SafeURL {
	p := "/reviews/" + url.PathEscape(id) + "/"
	for i, s := range parts {
		if i > 0 {
			p += "/"
		}
		p += url.PathEscape(s)
	}
	return templ.SafeURL(p)
}

// ListsPath is the lists page, at one list's heading.
func ListsPath(reviewID string, k domain.VocabKind) string {
	return string(reviewURL(reviewID, "lists")) + "#" + string(k)
}

// TermPath is the page of one value.
func TermPath(reviewID string, k domain.VocabKind, id string) string {
	return string(reviewURL(reviewID, "lists", string(k), id))
}

// AddField is the id of a list's add field, which errors about it link to.
func AddField(k domain.VocabKind) string { return "name-" + string(k) }

func addField(k domain.VocabKind) string { return AddField(k) }

func typedName(v ListsView, k domain.VocabKind) string {
	if v.AddKind == k {
		return v.AddName
	}
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }

// article puts "a" or "an" before a lower-case noun phrase.
func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// usesURL is where what uses a value is listed.
func usesURL(reviewID string, k domain.VocabKind, t domain.Term) templ.SafeURL {
	switch k {
	case domain.VocabSources:
		return templ.SafeURL(string(reviewURL(reviewID, "evidence")) + "?source=" + url.QueryEscape(t.ID))
	case domain.VocabRoles:
		return templ.SafeURL(string(reviewURL(reviewID, "evidence")) + "?role=" + url.QueryEscape(t.ID))
	case domain.VocabAddressees:
		return reviewURL(reviewID, "recommendations")
	}
	return reviewURL(reviewID, "people")
}

func usesText(k domain.VocabKind, n int) string {
	switch k {
	case domain.VocabSources, domain.VocabRoles:
		return text.Plural(n, "note", "notes")
	case domain.VocabAddressees:
		return text.Plural(n, "recommendation", "recommendations")
	}
	return text.Plural(n, "person", "people")
}

func deletedText(n int) string { return text.Plural(n, "deleted note", "deleted notes") }

func renameHint(k domain.VocabKind, t domain.Term) string {
	if t.Uses == 0 {
		return ""
	}
	return "Everything that uses it (" + usesText(k, t.Uses) + ") will use the new name."
}

func mergeHint(k domain.VocabKind, t domain.Term) string {
	s := "“" + t.Name + "” leaves the list"
	if t.Uses+t.Deleted > 0 {
		what := usesText(k, t.Uses)
		if t.Uses == 0 {
			what = deletedText(t.Deleted)
		}
		s += " and " + what + " will use the " + k.One() + " you choose instead"
	}
	return s + "."
}

func describedBy(id string, hasError bool) string {
	if hasError {
		return id + "-hint " + id + "-error"
	}
	return id + "-hint"
}
