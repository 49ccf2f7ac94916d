package frameworkview

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	domain "thematic/internal/review"
	"thematic/templates/components"
)

// reviewURL is a path under the review, such as /reviews/{id}/framework/import; no parts gives
// the overview, /reviews/{id}/.
func reviewURL(reviewID string, parts ...string) templ.SafeURL {
	p := "/reviews/" + url.PathEscape(reviewID) + "/"
	var rest []string
	for _, s := range parts {
		if s != "" {
			rest = append(rest, url.PathEscape(s))
		}
	}
	return templ.SafeURL(p + strings.Join(rest, "/"))
}

func groupURL(reviewID, groupID, action string) templ.SafeURL {
	return reviewURL(reviewID, "framework", "groups", groupID, action)
}

func areaURL(reviewID, areaID, action string) templ.SafeURL {
	return reviewURL(reviewID, "framework", "areas", areaID, action)
}

func itoa(n int) string { return strconv.Itoa(n) }

// areaNumber numbers action areas across the whole framework, as the report does.
func areaNumber(fw domain.Framework, gi, ai int) string {
	n := ai + 1
	for _, g := range fw.Groups[:gi] {
		n += len(g.Areas)
	}
	return strconv.Itoa(n)
}

func renameValue(v PageView, g domain.Group) string {
	if t, ok := v.Renames[g.ID]; ok {
		return t
	}
	return g.Title
}

func groupOptions(groups []domain.Group) []components.Radio {
	out := make([]components.Radio, len(groups))
	for i, g := range groups {
		out[i] = components.Radio{Value: g.ID, Label: g.Title}
	}
	return out
}

func describedBy(id string, hint, err bool) string {
	var ids []string
	if hint {
		ids = append(ids, id+"-hint")
	}
	if err {
		ids = append(ids, id+"-error")
	}
	return strings.Join(ids, " ")
}

// problemText is one problem with an imported file as a sentence, with its place in the file:
// "groups[0].title must not be empty".
func problemText(p domain.Problem) string {
	if p.Path == "" || p.Path == "file" {
		if m := p.Message; m != "" && m[0] >= 'a' && m[0] <= 'z' {
			return "The file " + m
		}
		return p.Message
	}
	return p.Path + " " + p.Message
}

// fileError is the message shown at the file input.
func fileError(v ImportView) string {
	switch len(v.Problems) {
	case 0:
		return v.Errors.Get("file")
	case 1:
		return problemText(v.Problems[0])
	}
	return "The file has " + strconv.Itoa(len(v.Problems)) + " problems. Fix them all and choose the file again:"
}

func modeHint(has bool) string {
	if has {
		return ""
	}
	return "The review has no framework yet, so both give the same result."
}
