package selfassess_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"thematic/internal/selfassess"
)

const (
	wbReview = "11111111-1111-4111-8111-111111111111"
	wbArea   = "22222222-2222-4222-8222-222222222222"
)

var wbFor = selfassess.WorkbookFor{ReviewID: wbReview, ReviewTitle: "Start for Life", AreaID: wbArea, AreaName: "Northumberland"}

// wbTemplate is a template of four elements and the default scale, with made-up ids.
func wbTemplate() selfassess.Template {
	var t selfassess.Template
	for i, e := range selfassess.DefaultElements {
		t.Elements = append(t.Elements, selfassess.Element{ID: fmt.Sprintf("aaaaaaaa-0000-4000-8000-%012d", i+1), Title: e.Title,
			Guidance: e.Guidance, Position: i + 1})
	}
	for i, l := range selfassess.DefaultLevels {
		t.Levels = append(t.Levels, selfassess.Level{ID: fmt.Sprintf("bbbbbbbb-0000-4000-8000-%012d", i+1), Label: l.Label,
			Description: l.Description, Position: i + 1})
	}
	return t
}

func wbBuild(t *testing.T, tpl selfassess.Template, a selfassess.Area) []byte {
	t.Helper()
	b, err := selfassess.BuildWorkbook(wbFor, tpl, a, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wbEdit opens a workbook, lets change alter it, and saves it.
func wbEdit(t *testing.T, b []byte, change func(f *excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	change(f)
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wbSet(t *testing.T, f *excelize.File, cell, v string) {
	t.Helper()
	if err := f.SetCellStr(selfassess.SheetAnswers, cell, v); err != nil {
		t.Fatal(err)
	}
}

func wbProblems(t *testing.T, b []byte, w selfassess.WorkbookFor, tpl selfassess.Template) []string {
	t.Helper()
	got, err := selfassess.ReadWorkbook(b, w, tpl)
	if err == nil {
		t.Fatalf("workbook read without a problem: %+v", got)
	}
	p := selfassess.Problems(err)
	if len(p) == 0 {
		t.Fatalf("not a workbook refusal: %v", err)
	}
	return p
}

func wbWant(t *testing.T, problems []string, want ...string) {
	t.Helper()
	all := strings.Join(problems, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("problems lack %q:\n%s", w, all)
		}
	}
}

func TestWorkbookRoundTrip(t *testing.T) {
	t.Parallel()
	tpl := wbTemplate()
	saved := selfassess.Area{Responses: map[string]selfassess.Response{
		tpl.Elements[1].ID: {ElementID: tpl.Elements[1].ID, LevelID: tpl.Levels[2].ID, Commentary: "Joint commissioning board since 2024", Version: 3},
	}}
	b := wbBuild(t, tpl, saved)

	// The workbook: sheets, pre-filled answers, a dropdown of the scale, locked titles, hidden ids.
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.GetSheetList(), ","); got != "Self-assessment,Rating scale,About,Identification" {
		t.Errorf("sheets %s", got)
	}
	if v, _ := f.GetSheetVisible(selfassess.SheetIDs); v {
		t.Error("the identification sheet is visible")
	}
	for cell, want := range map[string]string{"A2": "Co-location", "A3": "Commissioning", "C3": "Established",
		"D3": "Joint commissioning board since 2024", "C2": "", "A5": "Governance"} {
		if got, _ := f.GetCellValue(selfassess.SheetAnswers, cell); got != want {
			t.Errorf("cell %s = %q, want %q", cell, got, want)
		}
	}
	if got, _ := f.GetCellValue(selfassess.SheetScale, "A5"); got != "Embedded" {
		t.Errorf("scale A5 = %q", got)
	}
	dvs, err := f.GetDataValidations(selfassess.SheetAnswers)
	if err != nil || len(dvs) != 1 || dvs[0].Sqref != "C2:C5" || !strings.Contains(dvs[0].Formula1, "Rating scale") {
		t.Errorf("rating dropdown: %+v %v", dvs, err)
	}
	for cell, locked := range map[string]bool{"A2": true, "B2": true, "C2": false, "D2": false} {
		id, _ := f.GetCellStyle(selfassess.SheetAnswers, cell)
		st, _ := f.GetStyle(id)
		if st == nil || st.Protection == nil || st.Protection.Locked != locked {
			t.Errorf("cell %s locked should be %v: %+v", cell, locked, st)
		}
	}
	f.Close()

	// Fill it in as a contact would, and read it back.
	filled := wbEdit(t, b, func(f *excelize.File) {
		wbSet(t, f, "C2", "Developing")
		wbSet(t, f, "D2", "  Two hubs open,\r\nthird planned  ")
		wbSet(t, f, "C4", "embedded") // case does not matter
		wbSet(t, f, "D5", "Board being formed")
	})
	got, err := selfassess.ReadWorkbook(filled, wbFor, tpl)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ level, commentary string }{
		{tpl.Levels[1].ID, "Two hubs open,\nthird planned"},
		{tpl.Levels[2].ID, "Joint commissioning board since 2024"},
		{tpl.Levels[3].ID, ""},
		{"", "Board being formed"}, // commentary without a rating is a partial answer
	}
	if len(got) != 4 {
		t.Fatalf("read %d answers", len(got))
	}
	for i, w := range want {
		if got[i].Element.ID != tpl.Elements[i].ID || got[i].Row != i+2 || got[i].LevelID != w.level || got[i].Commentary != w.commentary {
			t.Errorf("answer %d = %+v, want %+v", i, got[i], w)
		}
	}
}

func TestWorkbookAltered(t *testing.T) {
	t.Parallel()
	tpl := wbTemplate()
	b := wbBuild(t, tpl, selfassess.Area{})
	cases := []struct {
		name   string
		change func(f *excelize.File)
		w      selfassess.WorkbookFor
		tpl    selfassess.Template
		want   []string
	}{
		{name: "unknown rating", change: func(f *excelize.File) { wbSet(t, f, "C4", "Very good"); wbSet(t, f, "C5", "Nope") },
			want: []string{"Cell C4 on sheet Self-assessment: “Very good” is not one of the ratings; choose one from the list",
				"Cell C5 on sheet Self-assessment: “Nope”"}},
		{name: "commentary too long", change: func(f *excelize.File) { wbSet(t, f, "D3", strings.Repeat("x", 10001)) },
			want: []string{"Cell D3 on sheet Self-assessment: the commentary for “Commissioning” is 10001 characters long; it must be 10,000 characters or fewer"}},
		{name: "row removed", change: func(f *excelize.File) {
			if err := f.RemoveRow(selfassess.SheetAnswers, 5); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"Row 5 on sheet Self-assessment: the element “Governance” is missing; download a fresh copy"}},
		{name: "rows reordered", change: func(f *excelize.File) { wbSet(t, f, "A2", "Commissioning"); wbSet(t, f, "A3", "Co-location") },
			want: []string{"Row 2 on sheet Self-assessment: expected the element “Co-location” but found “Commissioning”",
				"Row 3 on sheet Self-assessment: expected the element “Commissioning” but found “Co-location”"}},
		{name: "renamed", change: func(f *excelize.File) { wbSet(t, f, "A4", "Sharing data") },
			want: []string{"Row 4 on sheet Self-assessment: expected the element “Data-sharing” but found “Sharing data”"}},
		{name: "row added", change: func(f *excelize.File) { wbSet(t, f, "A6", "Workforce"); wbSet(t, f, "C6", "Embedded") },
			want: []string{"Row 6 on sheet Self-assessment: this row is not one of the elements"}},
		{name: "another area", w: selfassess.WorkbookFor{ReviewID: wbReview, ReviewTitle: "Start for Life",
			AreaID: "33333333-3333-4333-8333-333333333333", AreaName: "Cumbria"},
			want: []string{"This spreadsheet is for Northumberland, not Cumbria"}},
		{name: "another review", w: selfassess.WorkbookFor{ReviewID: "44444444-4444-4444-8444-444444444444", ReviewTitle: "Early help",
			AreaID: wbArea, AreaName: "Northumberland"},
			want: []string{"This spreadsheet is for the review “Start for Life”, not Early help"}},
		{name: "element added since", tpl: func() selfassess.Template {
			x := wbTemplate()
			x.Elements = append(x.Elements, selfassess.Element{ID: "aaaaaaaa-0000-4000-8000-000000000099", Title: "Workforce"})
			return x
		}(), want: []string{"The element “Workforce” is missing from this spreadsheet"}},
		{name: "element removed since", tpl: func() selfassess.Template {
			x := wbTemplate()
			x.Elements = x.Elements[:3]
			return x
		}(), want: []string{"The element “Governance” in this spreadsheet is no longer part of the self-assessment"}},
		{name: "identification removed", change: func(f *excelize.File) {
			if err := f.DeleteSheet(selfassess.SheetIDs); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"This spreadsheet was not downloaded from this service"}},
		{name: "answers sheet renamed", change: func(f *excelize.File) {
			if err := f.SetSheetName(selfassess.SheetAnswers, "Answers"); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"The sheet Self-assessment is missing from this spreadsheet"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := b
			if c.change != nil {
				in = wbEdit(t, b, c.change)
			}
			w, x := wbFor, tpl
			if c.w.ReviewID != "" {
				w = c.w
			}
			if c.tpl.Elements != nil {
				x = c.tpl
			}
			wbWant(t, wbProblems(t, in, w, x), c.want...)
		})
	}
}

// wbZip writes a zip of the given entries, deflated.
func wbZip(t *testing.T, entries map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(content); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wbCopy copies a real workbook's entries and adds extra ones.
func wbCopy(t *testing.T, b []byte, extra map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		_, _ = c.ReadFrom(r)
		r.Close()
		entries[f.Name] = c.Bytes()
	}
	for k, v := range extra {
		entries[k] = v
	}
	return wbZip(t, entries)
}

func TestWorkbookBadFiles(t *testing.T) {
	t.Parallel()
	tpl := wbTemplate()
	good := wbBuild(t, tpl, selfassess.Area{})

	// A bomb: 60 MB of zeros compressing to a few tens of kilobytes.
	bomb := wbCopy(t, good, map[string][]byte{"xl/media/padding.bin": make([]byte, 60<<20)})
	if len(bomb) > selfassess.WorkbookMaxBytes {
		t.Fatalf("bomb is %d bytes: not a bomb", len(bomb))
	}
	// Many small, highly compressed entries: no single entry is out of proportion, their total is.
	spread := map[string][]byte{}
	for i := range 60 {
		spread[fmt.Sprintf("xl/media/pad%d.bin", i)] = make([]byte, 1<<20-1)
	}
	spreadBomb := wbCopy(t, good, spread)
	// Thousands of sheets, each a tiny worksheet part (built directly: excelize would take long).
	sheets := map[string][]byte{}
	for i := range 3000 {
		sheets[fmt.Sprintf("xl/worksheets/sheet%d.xml", i+10)] = []byte(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`)
	}
	manySheets := wbCopy(t, good, sheets)
	// A workbook of 25 real sheets, under the entry cap.
	f := excelize.NewFile()
	for i := range 24 {
		if _, err := f.NewSheet(fmt.Sprintf("Extra %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	f.Close()

	cases := []struct {
		name    string
		content []byte
		want    string
	}{
		{"empty", nil, "The selected file is empty"},
		{"too large", append(append([]byte{}, good...), make([]byte, selfassess.WorkbookMaxBytes)...), "The selected file must be smaller than 5 MB"},
		{"a PDF", []byte("%PDF-1.7\n%%EOF\n"), "The selected file must be an Excel spreadsheet (.xlsx)"},
		{"text", []byte("Element,Rating\nCo-location,Embedded\n"), "The selected file must be an Excel spreadsheet (.xlsx)"},
		{"a zip that is not a workbook", wbZip(t, map[string][]byte{"readme.txt": []byte("hello")}), "The selected file must be an Excel spreadsheet (.xlsx)"},
		{"zip bomb", bomb, "it expands to far more than its size"},
		{"spread bomb", spreadBomb, "MB, more than the 50 MB allowed"},
		{"entries", manySheets, "parts inside it, more than a self-assessment spreadsheet can have"},
		{"25 sheets", buf.Bytes(), "The selected spreadsheet has 25 sheets; a self-assessment spreadsheet has 3, and no more than 20 can be read"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if err := selfassess.CheckWorkbookFile(c.content); err == nil || !strings.Contains(strings.Join(selfassess.Problems(err), "\n"), c.want) {
				t.Errorf("CheckWorkbookFile: %v, want %q", err, c.want)
			}
			wbWant(t, wbProblems(t, c.content, wbFor, tpl), c.want)
		})
	}
	// Thousands of sheets within the entry cap are refused by their count, naming it.
	few := map[string][]byte{}
	for i := range 400 {
		few[fmt.Sprintf("xl/worksheets/sheet%d.xml", i+10)] = []byte(`<worksheet/>`)
	}
	if err := selfassess.CheckWorkbookFile(wbCopy(t, good, few)); err == nil ||
		!strings.Contains(err.Error(), "has 404 sheets") {
		t.Errorf("400 extra sheets: %v", err)
	}
	if err := selfassess.CheckWorkbookFile(good); err != nil {
		t.Errorf("the service's own workbook refused: %v", err)
	}
}
