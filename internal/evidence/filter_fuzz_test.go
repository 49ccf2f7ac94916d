package evidence_test

import (
	"encoding/base64"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"thematic/internal/db"
	"thematic/internal/evidence"
)

// FuzzParseFilter feeds ParseFilter arbitrary query strings, as r.URL.Query() reads them (bad
// escapes are dropped, not refused). It must never panic; whatever it returns has only valid,
// lower-case ids (a bad one is dropped) and a limit from 0 to MaxLimit; the search and theme text
// it hands PostgreSQL is valid UTF-8 without NUL (PostgreSQL refuses anything else, which would be
// a 500). A filter read without errors re-encodes (Values, plus the cursor and limit, as links
// carry them), through a query string, to the same filter, again without errors.
func FuzzParseFilter(f *testing.F) {
	const id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	tCursor := base64.RawURLEncoding.EncodeToString([]byte("t|1700000000000000|" + id))
	rCursor := base64.RawURLEncoding.EncodeToString([]byte("r|3f800000|" + id))
	for _, s := range []string{
		"",
		"q=family+hubs&after=" + rCursor + "&limit=20",
		"after=" + tCursor + "&limit=200",
		"area=" + id + "&area=" + strings.ToUpper(id) + "&area=&visit=" + id + "&action-area=" + id + "&line=" + id +
			"&source=" + id + "&author=" + id + "&document=" + id,
		"tag=+Breastfeeding+&judgement=strength&good-practice=yes",
		"judgement=development&good-practice=no&from-day=1&from-month=2&from-year=2024&to-day=29&to-month=2&to-year=2024",
		"from-day=31&from-month=2&from-year=2023&to-day=1&to-month=1&to-year=2023",
		"q=%22health+visitor%22+-midwife+or+hub",
		"q=%FF%FE&tag=%00",
		"q=" + strings.Repeat("a", 501),
		"limit=0&limit=-1&after=garbage",
		"limit=1000",
		"limit=99999999999999999999",
		"area=not-a-uuid&visit=x&judgement=maybe&good-practice=perhaps",
		"after=" + rCursor,
		"q=x&after=" + tCursor,
		"%zz=1&q=%zz&tag;x",
		"from-day=+1&from-month=%2B2&from-year=02024",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		fl, errs := evidence.ParseFilter(v)
		checkFilter(t, fl)
		if errs.Any() {
			return
		}
		if !utf8.ValidString(fl.Query) || strings.ContainsRune(fl.Query, 0) || !utf8.ValidString(fl.Tag) || strings.ContainsRune(fl.Tag, 0) {
			t.Fatalf("search %q or theme %q accepted but PostgreSQL would refuse it", fl.Query, fl.Tag)
		}
		if utf8.RuneCountInString(fl.Query) > 500 || utf8.RuneCountInString(fl.Tag) > evidence.MaxTag {
			t.Fatalf("search or theme too long accepted")
		}
		if fl.From != nil && fl.To != nil && fl.To.Before(*fl.From) {
			t.Fatalf("dates the wrong way round accepted: %v, %v", fl.From, fl.To)
		}
		back := fl.Values()
		if fl.After != "" {
			back.Set("after", fl.After)
		}
		if fl.Limit > 0 {
			back.Set("limit", strconv.Itoa(fl.Limit))
		}
		enc := back.Encode()
		v2, err := url.ParseQuery(enc)
		if err != nil {
			t.Fatalf("re-encoded filter %q does not parse: %v", enc, err)
		}
		fl2, errs2 := evidence.ParseFilter(v2)
		if errs2.Any() {
			t.Fatalf("re-encoded filter %q refused: %v", enc, errs2.List())
		}
		if !reflect.DeepEqual(fl, fl2) {
			t.Fatalf("filter changed on re-encoding through %q:\n%+v\n%+v", enc, fl, fl2)
		}
	})
}

func checkFilter(t *testing.T, fl evidence.Filter) {
	t.Helper()
	if fl.Limit < 0 || fl.Limit > evidence.MaxLimit {
		t.Fatalf("limit %d", fl.Limit)
	}
	ids := append([]string{fl.VisitID, fl.ActionAreaID, fl.LineID, fl.SourceID, fl.AuthorID, fl.DocumentID}, fl.AreaIDs...)
	for i, s := range ids {
		if s != "" && (!db.ValidUUID(s) || s != strings.ToLower(s)) {
			t.Fatalf("id %d is %q", i, s)
		}
	}
	for _, s := range fl.AreaIDs {
		if s == "" {
			t.Fatalf("empty area id kept")
		}
	}
	switch fl.Judgement {
	case "", evidence.Strength, evidence.Development, evidence.Neutral:
	default:
		t.Fatalf("judgement %q", fl.Judgement)
	}
}

// FuzzSegments checks the splitting of a search headline: no delimiter is left in the text, no
// segment is empty, and the segments' text is the headline without its delimiters.
func FuzzSegments(f *testing.F) {
	for _, s := range []string{"", "plain", "a \x01hub\x02 b", "\x01\x01x\x02\x02", "\x02lead\x01", "\x01", "é\x01\xff\x02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		var b strings.Builder
		for _, seg := range evidence.Segments(h) {
			if seg.Text == "" || strings.ContainsAny(seg.Text, "\x01\x02") {
				t.Fatalf("segment %q", seg.Text)
			}
			b.WriteString(seg.Text)
		}
		if want := strings.NewReplacer("\x01", "", "\x02", "").Replace(h); b.String() != want {
			t.Fatalf("segments give %q, want %q", b.String(), want)
		}
	})
}
