package visit

import (
	"strings"
	"testing"
	"time"

	"thematic/internal/review"
)

func TestFormValidate(t *testing.T) {
	t.Parallel()
	ok := Form{AreaID: "a", Start: review.DateInput{Day: "8", Month: "8", Year: "2023"}, Days: "2", Notes: " Meet\r\nthere ",
		Team: []string{"m1:2023-08-09", "m1:2023-08-08", "m2:2023-08-08", "m1:2023-08-08"}}
	p, errs := ok.Validate()
	if errs.Any() {
		t.Fatalf("errors: %v", errs.List())
	}
	if !p.Start.Equal(day(2023, 8, 8)) || p.Days != 2 || !p.End().Equal(day(2023, 8, 9)) || p.Notes != "Meet\nthere" {
		t.Fatalf("plan %+v", p)
	}
	if len(p.Team["m1"]) != 2 || !p.Team["m1"][0].Equal(day(2023, 8, 8)) || len(p.Team["m2"]) != 1 {
		t.Fatalf("team %v", p.Team)
	}
	for _, c := range []struct {
		mod   func(*Form)
		field string
		want  string
	}{
		{func(f *Form) { f.AreaID = " " }, "area", "Select the area to visit"},
		{func(f *Form) { f.Start = review.DateInput{} }, "team", NoStartDays},
		{func(f *Form) { f.Start = review.DateInput{Month: "8"} }, "start-day", "Start date must be a real date, for example 8 8 2023"},
		{func(f *Form) { f.Start.Day = "31"; f.Start.Month = "2" }, "start-day", "Start date must be a real date, for example 8 8 2023"},
		{func(f *Form) { f.Start.Year = "" }, "start-day", "Start date must be a real date, for example 8 8 2023"},
		{func(f *Form) { f.Days = "" }, "days", "Enter the number of days on site, from 1 to 10"},
		{func(f *Form) { f.Days = "0" }, "days", "Number of days must be a whole number from 1 to 10"},
		{func(f *Form) { f.Days = "11" }, "days", "Number of days must be a whole number from 1 to 10"},
		{func(f *Form) { f.Days = "two" }, "days", "Number of days must be a whole number from 1 to 10"},
		{func(f *Form) { f.Notes = strings.Repeat("é", 2001) }, "notes", "Notes must be 2,000 characters or fewer"},
		{func(f *Form) { f.Team = []string{"m1:2023-08-10"} }, "team", "Choose days that are part of the visit"},
		{func(f *Form) { f.Team = []string{"m1"} }, "team", "Choose days that are part of the visit"},
	} {
		f := ok
		c.mod(&f)
		_, errs := f.Validate()
		if got := errs.Get(c.field); got != c.want {
			t.Errorf("%s = %q, want %q", c.field, got, c.want)
		}
	}
}

func TestFormValidateNoStart(t *testing.T) {
	t.Parallel()
	f := Form{AreaID: "a", Days: "3", On: []string{"m1", "m2"}, Roles: map[string]string{"m1": " Lead Inspector "},
		Inspectorates: map[string]string{"m2": "CQC", "m3": "Ofsted"}}
	p, errs := f.Validate()
	if errs.Any() {
		t.Fatalf("errors: %v", errs.List())
	}
	if !p.Start.IsZero() || p.Days != 3 || p.Dates() != nil || !p.End().IsZero() {
		t.Fatalf("plan %+v", p)
	}
	want := map[string]Place{"m1": {JobTitle: "Lead Inspector"}, "m2": {Inspectorate: "CQC"}}
	if len(p.Members) != 2 || p.Members["m1"] != want["m1"] || p.Members["m2"] != want["m2"] {
		t.Fatalf("members %+v, want %+v (m3 is not on the team)", p.Members, want)
	}
	// A day ticked makes a person part of the team even without "On the team".
	f = Form{AreaID: "a", Start: review.DateInput{Day: "8", Month: "8", Year: "2023"}, Days: "1",
		Team: []string{"m3:2023-08-08"}, Roles: map[string]string{"m3": "Team Inspector"}}
	if p, errs = f.Validate(); errs.Any() || p.Members["m3"].JobTitle != "Team Inspector" || len(p.OnTeam()) != 1 {
		t.Fatalf("plan %+v, errors %v", p, errs.List())
	}
	v := Visit{AreaName: "Torbay", Days: 2}
	if v.DateRange() != NotFixed || v.Dates() != nil || !v.End().IsZero() || v.HasStart() {
		t.Fatalf("a visit with no start: %q %v %v", v.DateRange(), v.Dates(), v.End())
	}
	if s := Snapshot(v); s["start"] != "" {
		t.Fatalf("snapshot start %v", s["start"])
	}
}

func TestBuildTimeline(t *testing.T) {
	t.Parallel()
	areas := []Area{{ID: "s", Name: "Sunderland"}, {ID: "t", Name: "Torbay"}, {ID: "w", Name: "Isle of Wight"}}
	visits := []Visit{
		{ID: "v1", AreaID: "s", AreaName: "Sunderland", Start: day(2023, 8, 10), Days: 2, Team: []TeamMember{
			{Name: "Ira", Days: []time.Time{day(2023, 8, 10), day(2023, 8, 11)}}, {Name: "Cass", Days: []time.Time{day(2023, 8, 11)}}}},
		{ID: "v2", AreaID: "t", AreaName: "Torbay", Start: day(2023, 8, 13), Days: 2}, // Sunday to Monday
		{ID: "v3", AreaID: "t", AreaName: "Torbay", Days: 2},                          // start not known
	}
	tl := BuildTimeline(areas, visits)
	if len(tl.NotFixed) != 1 || tl.NotFixed[0].ID != "v3" {
		t.Fatalf("not fixed %v", tl.NotFixed)
	}
	if len(tl.Unvisited) != 1 || tl.Unvisited[0].Name != "Isle of Wight" {
		t.Fatalf("unvisited %v", tl.Unvisited)
	}
	if len(tl.Weeks) != 2 || !tl.Weeks[0].Monday.Equal(day(2023, 8, 7)) || !tl.Weeks[1].Monday.Equal(day(2023, 8, 14)) {
		t.Fatalf("weeks %+v", tl.Weeks)
	}
	w := tl.Weeks[0]
	if len(w.Days) != 3 || len(w.Rows) != 2 {
		t.Fatalf("first week: %d days, %d rows", len(w.Days), len(w.Rows))
	}
	s := w.Rows[0]
	if s.Area.Name != "Sunderland" || strings.Join(s.Cells[0].People, ",") != "Ira" || strings.Join(s.Cells[1].People, ",") != "Ira,Cass" ||
		s.Cells[2].VisitID != "" {
		t.Fatalf("Sunderland row %+v", s)
	}
	if tr := w.Rows[1]; tr.Area.Name != "Torbay" || tr.Cells[2].VisitID != "v2" || len(tr.Cells[2].People) != 0 {
		t.Fatalf("Torbay row %+v", tr)
	}
	if len(tl.Weeks[1].Rows) != 1 || tl.Weeks[1].Rows[0].Area.Name != "Torbay" {
		t.Fatalf("second week %+v", tl.Weeks[1])
	}
}
