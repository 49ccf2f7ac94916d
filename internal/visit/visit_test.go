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
		{func(f *Form) { f.Start = review.DateInput{} }, "start-day", "Enter the date the visit starts"},
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

func TestBuildTimeline(t *testing.T) {
	t.Parallel()
	areas := []Area{{ID: "s", Name: "Sunderland"}, {ID: "t", Name: "Torbay"}, {ID: "w", Name: "Isle of Wight"}}
	visits := []Visit{
		{ID: "v1", AreaID: "s", AreaName: "Sunderland", Start: day(2023, 8, 10), Days: 2, Team: []TeamMember{
			{Name: "Ira", Days: []time.Time{day(2023, 8, 10), day(2023, 8, 11)}}, {Name: "Cass", Days: []time.Time{day(2023, 8, 11)}}}},
		{ID: "v2", AreaID: "t", AreaName: "Torbay", Start: day(2023, 8, 13), Days: 2}, // Sunday to Monday
	}
	tl := BuildTimeline(areas, visits)
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
