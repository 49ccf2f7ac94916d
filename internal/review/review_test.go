package review

import (
	"strings"
	"testing"
	"time"
)

func TestStatusMovesOneStepOnOrBack(t *testing.T) {
	t.Parallel()
	for i, from := range Statuses {
		for j, to := range Statuses {
			// One step on; one step back, except that a published review goes back to drafting.
			want := j == i+1 || j == i-1 && from != StatusPublished || from == StatusPublished && to == StatusDrafting
			if got := from.CanMoveTo(to); got != want {
				t.Errorf("%s → %s: CanMoveTo = %v, want %v", from, to, got, want)
			}
		}
		if from.CanMoveTo("") || from.CanMoveTo("cancelled") {
			t.Errorf("%s may move to an unknown status", from)
		}
	}
	if StatusSetup.Back() != "" || StatusPublished.Next() != "" {
		t.Error("the ends have a neighbour beyond them")
	}
	if StatusSetup.Next() != StatusFieldwork || StatusPublished.Back() != StatusDrafting || StatusQA.Back() != StatusDrafting {
		t.Error("wrong neighbours")
	}
	if Status("cancelled").CanMoveTo(StatusSetup) {
		t.Error("an unknown status may move")
	}
}

func TestStepErrorSaysWhereTheReviewCanGo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		from, to Status
		want     string
	}{
		{StatusSetup, StatusAnalysis, "From Set-up it can only move on to Fieldwork."},
		{StatusAnalysis, StatusPublished, "From Analysis it can only move on to Drafting or back to Fieldwork."},
		{StatusPublished, StatusSetup, "From Published it can only move back to Drafting."},
		{StatusSetup, "nonsense", "Select the stage to move the review to"},
	}
	for _, c := range cases {
		if got := (&StepError{From: c.from, To: c.to}).Error(); !strings.Contains(got, c.want) {
			t.Errorf("%s → %s: %q, want it to say %q", c.from, c.to, got, c.want)
		}
	}
}

func TestDateInputParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   DateInput
		ok   bool
		want string
	}{
		{DateInput{"1", "8", "2023"}, true, "2023-08-01"},
		{DateInput{" 01 ", "08", "2023"}, true, "2023-08-01"},
		{DateInput{"29", "2", "2024"}, true, "2024-02-29"},
		{DateInput{"31", "2", "2023"}, false, ""},
		{DateInput{"29", "2", "2023"}, false, ""},
		{DateInput{"31", "4", "2023"}, false, ""},
		{DateInput{"0", "1", "2023"}, false, ""},
		{DateInput{"1", "13", "2023"}, false, ""},
		{DateInput{"1", "0", "2023"}, false, ""},
		{DateInput{"1", "8", "23"}, false, ""},
		{DateInput{"1", "8", "12023"}, false, ""},
		{DateInput{"1", "8", ""}, false, ""},
		{DateInput{"", "8", "2023"}, false, ""},
		{DateInput{"a", "8", "2023"}, false, ""},
		{DateInput{"-1", "8", "2023"}, false, ""},
		{DateInput{"1", "August", "2023"}, false, ""},
	}
	for _, c := range cases {
		got, ok := c.in.Parse()
		if ok != c.ok {
			t.Errorf("%+v: ok = %v, want %v", c.in, ok, c.ok)
			continue
		}
		if ok && got.Format("2006-01-02") != c.want {
			t.Errorf("%+v = %s, want %s", c.in, got.Format("2006-01-02"), c.want)
		}
	}
	if !(DateInput{" ", "", ""}).Empty() || (DateInput{"", "", "2023"}).Empty() {
		t.Error("Empty is wrong")
	}
	d := time.Date(2023, 8, 1, 0, 0, 0, 0, time.UTC)
	if got := DateInputOf(&d); got != (DateInput{"1", "8", "2023"}) {
		t.Errorf("DateInputOf = %+v", got)
	}
	if got := DateInputOf(nil); got != (DateInput{}) {
		t.Errorf("DateInputOf(nil) = %+v", got)
	}
}

func TestDetailsValidate(t *testing.T) {
	t.Parallel()
	good := Details{Title: "  Start for Life  ", KeyQuestion: "To what extent?",
		FieldworkStart: DateInput{"1", "8", "2023"}, FieldworkEnd: DateInput{"31", "8", "2023"},
		PlannedPublication: DateInput{"30", "4", "2024"}, Version: 3}
	r, errs := good.Validate()
	if errs.Any() {
		t.Fatalf("good details refused: %v", errs.List())
	}
	if r.Title != "Start for Life" || r.Version != 3 || r.FieldworkStart == nil || r.FieldworkEnd.Day() != 31 ||
		r.PlannedPublication.Year() != 2024 {
		t.Fatalf("validated review = %+v", r)
	}
	if r, errs := (Details{Title: "Dates optional"}).Validate(); errs.Any() || r.FieldworkStart != nil {
		t.Fatalf("no dates: %v %+v", errs.List(), r)
	}

	cases := []struct {
		name  string
		mod   func(*Details)
		field string
	}{
		{"empty title", func(d *Details) { d.Title = "   " }, "title"},
		{"title over 200", func(d *Details) { d.Title = strings.Repeat("t", 201) }, "title"},
		{"summary over 5000", func(d *Details) { d.Summary = strings.Repeat("s", 5001) }, "summary"},
		{"key question over 1000", func(d *Details) { d.KeyQuestion = strings.Repeat("k", 1001) }, "key-question"},
		{"impossible start", func(d *Details) { d.FieldworkStart = DateInput{"31", "2", "2023"} }, "fieldwork-start-day"},
		{"half a start", func(d *Details) { d.FieldworkStart = DateInput{"1", "", "2023"} }, "fieldwork-start-day"},
		{"impossible end", func(d *Details) { d.FieldworkEnd = DateInput{"32", "8", "2023"} }, "fieldwork-end-day"},
		{"end before start", func(d *Details) { d.FieldworkEnd = DateInput{"31", "7", "2023"} }, "fieldwork-end-day"},
		{"publication before end", func(d *Details) { d.PlannedPublication = DateInput{"1", "8", "2023"} }, "planned-publication-day"},
		{"impossible publication", func(d *Details) { d.PlannedPublication = DateInput{"x", "4", "2024"} }, "planned-publication-day"},
	}
	for _, c := range cases {
		d := good
		c.mod(&d)
		_, errs := d.Validate()
		if !errs.Has(c.field) {
			t.Errorf("%s: no error on %s (errors: %v)", c.name, c.field, errs.List())
		}
	}
	// 200 characters, counted as characters rather than bytes, is allowed.
	d := good
	d.Title = strings.Repeat("é", 200)
	if _, errs := d.Validate(); errs.Any() {
		t.Errorf("200-character title refused: %v", errs.List())
	}
}

func TestCheckEnquiryText(t *testing.T) {
	t.Parallel()
	if s, msg := CheckEnquiryTitle("  Join-up of services "); s != "Join-up of services" || msg != "" {
		t.Errorf("good title: %q %q", s, msg)
	}
	for _, bad := range []string{"", "  \n ", strings.Repeat("g", 201)} {
		if _, msg := CheckEnquiryTitle(bad); msg == "" {
			t.Errorf("title %.20q accepted", bad)
		}
	}
	if _, msg := CheckEnquiryTitle(strings.Repeat("é", 200)); msg != "" {
		t.Errorf("200-character title refused: %s", msg)
	}
	if s, msg := CheckQuestion(" Do families repeat their story? "); s != "Do families repeat their story?" || msg != "" {
		t.Errorf("good question: %q %q", s, msg)
	}
	for _, bad := range []string{"", " ", strings.Repeat("q", 1001)} {
		if _, msg := CheckQuestion(bad); msg == "" {
			t.Errorf("question %.20q accepted", bad)
		}
	}
	if _, msg := CheckQuestion(strings.Repeat("q", 1000)); msg != "" {
		t.Errorf("1000-character question refused: %s", msg)
	}
}

func TestStartForLifeTemplate(t *testing.T) {
	t.Parallel()
	tpls, err := Templates()
	if err != nil {
		t.Fatal(err)
	}
	tpl, ok := tpls[StartForLife]
	if !ok {
		t.Fatal("no Start for Life template")
	}
	enq := tpl.EnquiryOf().Groups
	if len(enq) != 3 || len(enq[0].Lines) != 6 || len(enq[1].Lines) != 4 || len(enq[2].Lines) != 1 {
		t.Fatalf("lines of enquiry: %+v", enq)
	}
	fw, probs := tpl.Framework.Check()
	if len(probs) > 0 || len(fw.Groups) != 2 || fw.AreaCount() != 6 {
		t.Fatalf("framework: %v %+v", probs, fw)
	}
}
