package visit

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// unfold splits a calendar into its logical lines: every physical line must end with CRLF, and a
// line starting with a space continues the one before.
func unfold(t *testing.T, data string) []string {
	t.Helper()
	if !strings.HasSuffix(data, "\r\n") {
		t.Fatal("calendar does not end with CRLF")
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(data, "\r\n"), "\r\n") {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("bare CR or LF in line %q", l)
		}
		if len(l) > 75 {
			t.Fatalf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("line splits a UTF-8 sequence: %q", l)
		}
		if strings.HasPrefix(l, " ") {
			if len(out) == 0 {
				t.Fatal("continuation line first")
			}
			out[len(out)-1] += l[1:]
			continue
		}
		out = append(out, l)
	}
	return out
}

// unescape reverses EscapeText.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == 'n' || s[i] == 'N' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parse reads the events of a calendar back: property name (with parameters) → value.
func parse(t *testing.T, data string) (cal map[string]string, events []map[string]string) {
	t.Helper()
	cal = map[string]string{}
	var cur map[string]string
	for _, l := range unfold(t, data) {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("line without a colon: %q", l)
		}
		switch {
		case l == "BEGIN:VEVENT":
			cur = map[string]string{}
		case l == "END:VEVENT":
			events = append(events, cur)
			cur = nil
		case cur != nil:
			cur[name] = value
		default:
			cal[name] = value
		}
	}
	return cal, events
}

func TestFoldLongLineWithMultiByteCharacters(t *testing.T) {
	t.Parallel()
	// "é" is 2 octets and "–" 3: a fold at a fixed octet count would split them.
	value := strings.Repeat("Café – Brontë ", 20)
	folded := FoldLine("SUMMARY:" + value)
	lines := strings.Split(strings.TrimSuffix(folded, "\r\n"), "\r\n")
	if len(lines) < 4 {
		t.Fatalf("want several lines, got %d", len(lines))
	}
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d is %d octets", i, len(l))
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a character: %q", i, l)
		}
		if i > 0 && !strings.HasPrefix(l, " ") {
			t.Errorf("continuation line %d does not start with a space", i)
		}
	}
	if got := unfold(t, folded); len(got) != 1 || got[0] != "SUMMARY:"+value {
		t.Fatalf("unfolded to %q", got)
	}
	// A line of exactly 75 octets is not folded.
	exact := strings.Repeat("x", 75)
	if FoldLine(exact) != exact+"\r\n" {
		t.Fatal("75-octet line folded")
	}
	if FoldLine(exact+"y") != exact+"\r\n y\r\n" {
		t.Fatalf("76-octet line folded as %q", FoldLine(exact+"y"))
	}
}

func TestEscapeText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`a\b`:              `a\\b`,
		"a;b,c":            `a\;b\,c`,
		"line 1\nline 2":   `line 1\nline 2`,
		"line 1\r\nline 2": `line 1\nline 2`,
		"Sunderland":       "Sunderland",
		"bell\x07":         "bell",
	} {
		if got := EscapeText(in); got != want {
			t.Errorf("EscapeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCalendarIsValidAndParsesBack(t *testing.T) {
	t.Parallel()
	stamp := time.Date(2023, 8, 1, 9, 30, 0, 0, time.FixedZone("BST", 3600))
	v := Visit{ID: "11111111-1111-1111-1111-111111111111", ReviewID: "22222222-2222-2222-2222-222222222222",
		ReviewTitle: "Start for Life review, 2023; north-east", AreaName: "Kingston upon Hull, City of",
		Start: day(2023, 8, 8), Days: 3,
		Team: []TeamMember{
			{UserID: "u1", Name: "Ira Inspector", Inspectorate: "Ofsted", JobTitle: "Early Years Inspector",
				Days: []time.Time{day(2023, 8, 8), day(2023, 8, 10)}},
			{UserID: "u2", Name: "Zoë Brontë-Smith", Inspectorate: "CQC", JobTitle: "Children’s Services Inspector",
				Days: []time.Time{day(2023, 8, 9)}},
		}}
	cal := FeedFor("Visits – Demo Inspectorate", []Visit{v}, "u1", "https://example.test", stamp)
	data := string(cal.Bytes())
	if strings.Contains(strings.ReplaceAll(data, "\r\n", ""), "\n") {
		t.Fatal("a line ends with LF alone")
	}
	head, events := parse(t, data)
	for k, want := range map[string]string{"VERSION": "2.0", "PRODID": ProdID, "CALSCALE": "GREGORIAN",
		"METHOD": "PUBLISH", "X-WR-CALNAME": "Visits – Demo Inspectorate", "BEGIN": "VCALENDAR", "END": "VCALENDAR"} {
		if head[k] != want {
			t.Errorf("%s = %q, want %q", k, head[k], want)
		}
	}
	// On days 1 and 3 only: two one-day events.
	if len(events) != 2 {
		t.Fatalf("want 2 events, got %d:\n%s", len(events), data)
	}
	e := events[0]
	checks := map[string]string{
		"UID":                "11111111-1111-1111-1111-111111111111-20230808@thematic",
		"DTSTAMP":            "20230801T083000Z",
		"DTSTART;VALUE=DATE": "20230808",
		"DTEND;VALUE=DATE":   "20230809", // the day after: one day
		"URL":                "https://example.test/reviews/22222222-2222-2222-2222-222222222222/visits/11111111-1111-1111-1111-111111111111",
	}
	for k, want := range checks {
		if e[k] != want {
			t.Errorf("%s = %q, want %q", k, e[k], want)
		}
	}
	if got, want := unescape(e["SUMMARY"]), "Visit: Kingston upon Hull, City of – Start for Life review, 2023; north-east"; got != want {
		t.Errorf("SUMMARY = %q, want %q", got, want)
	}
	if got := unescape(e["LOCATION"]); got != "Kingston upon Hull, City of" {
		t.Errorf("LOCATION = %q", got)
	}
	desc := unescape(e["DESCRIPTION"])
	for _, want := range []string{"You are on site on 8 and 10 August 2023.", "Team:\nIra Inspector (Ofsted, Early Years Inspector): 8 and 10 August 2023",
		"Zoë Brontë-Smith (CQC, Children’s Services Inspector): 9 August 2023"} {
		if !strings.Contains(desc, want) {
			t.Errorf("DESCRIPTION %q lacks %q", desc, want)
		}
	}
	if events[1]["UID"] != "11111111-1111-1111-1111-111111111111-20230810@thematic" || events[1]["DTEND;VALUE=DATE"] != "20230811" {
		t.Errorf("second event: %v", events[1])
	}
}

func TestFeedJoinsConsecutiveDays(t *testing.T) {
	t.Parallel()
	v := Visit{ID: "v", AreaName: "Torbay", ReviewTitle: "R", Start: day(2023, 8, 31), Days: 2,
		Team: []TeamMember{{UserID: "u1", Name: "A", Days: []time.Time{day(2023, 8, 31), day(2023, 9, 1)}}}}
	_, events := parse(t, string(FeedFor("c", []Visit{v}, "u1", "", time.Now()).Bytes()))
	if len(events) != 1 || events[0]["DTSTART;VALUE=DATE"] != "20230831" || events[0]["DTEND;VALUE=DATE"] != "20230902" {
		t.Fatalf("events %v", events)
	}
	// Someone not on the team (a local authority contact) gets the whole visit.
	_, events = parse(t, string(FeedFor("c", []Visit{v}, "contact", "", time.Now()).Bytes()))
	if len(events) != 1 || events[0]["DTEND;VALUE=DATE"] != "20230902" || !strings.Contains(unescape(events[0]["DESCRIPTION"]), "Team:\nA") {
		t.Fatalf("contact's events %v", events)
	}
	// A visit whose start is not known yet is left out, for the team and the contact alike.
	nf := Visit{ID: "n", AreaName: "Torbay", ReviewTitle: "R", Days: 2, Team: []TeamMember{{UserID: "u1", Name: "A"}}}
	for _, user := range []string{"u1", "contact"} {
		if _, events = parse(t, string(FeedFor("c", []Visit{v, nf}, user, "", time.Now()).Bytes())); len(events) != 1 {
			t.Fatalf("%s's events with a visit not fixed: %v", user, events)
		}
	}
}

func TestFormatting(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ got, want string }{
		{FormatRange(day(2023, 8, 10), day(2023, 8, 11)), "10–11 August 2023"},
		{FormatRange(day(2023, 8, 10), day(2023, 8, 10)), "10 August 2023"},
		{FormatRange(day(2023, 8, 31), day(2023, 9, 1)), "31 August – 1 September 2023"},
		{FormatRange(day(2023, 12, 31), day(2024, 1, 1)), "31 December 2023 – 1 January 2024"},
		{FormatDays([]time.Time{day(2023, 8, 10)}), "10 August 2023"},
		{FormatDays([]time.Time{day(2023, 8, 10), day(2023, 8, 11)}), "10 and 11 August 2023"},
		{FormatDays([]time.Time{day(2023, 8, 9), day(2023, 8, 10), day(2023, 8, 11)}), "9, 10 and 11 August 2023"},
		{FormatDays([]time.Time{day(2023, 8, 31), day(2023, 9, 1)}), "31 August 2023 and 1 September 2023"},
		{DayLabel(0, day(2023, 8, 8)), "Day 1 (Tue 8 Aug)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
