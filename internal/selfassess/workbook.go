package selfassess

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"thematic/internal/document"
)

// The spreadsheet route: an area's self-assessment as an XLSX workbook, to fill in offline and
// upload. The workbook carries, on a very hidden sheet, the review, the area and the element of
// each row, so that a workbook of another area or review, or one whose rows were removed,
// reordered or renamed, is recognised and named rather than read wrongly.

// Sheet names of the workbook.
const (
	SheetAnswers = "Self-assessment"
	SheetScale   = "Rating scale"
	SheetAbout   = "About"
	SheetIDs     = "Identification" // very hidden
)

// Limits on an uploaded workbook. A workbook the service builds is a few tens of kilobytes, so
// these leave plenty of room for long commentary while refusing anything built to exhaust memory.
const (
	WorkbookMaxBytes     = 5 << 20  // the file as uploaded
	WorkbookMaxUnzipped  = 50 << 20 // all its entries once uncompressed
	WorkbookMaxEntryXML  = 20 << 20 // one worksheet's XML
	WorkbookMaxEntries   = 500
	WorkbookMaxSheets    = 20
	workbookMaxRatio     = 200     // uncompressed/compressed of one large entry
	workbookRatioFloor   = 1 << 20 // entries smaller than this are not ratio-checked
	workbookMaxExtraRows = 200     // rows past the elements looked at for stray answers
	// MaxCommentary is the longest commentary an answer may have (as AnswerInput.Validate counts).
	MaxCommentary = 10000
)

// WorkbookFor says whose workbook it is.
type WorkbookFor struct {
	ReviewID    string
	ReviewTitle string
	AreaID      string
	AreaName    string
}

// Columns of the answers sheet.
const (
	colTitle      = "A"
	colGuidance   = "B"
	colRating     = "C"
	colCommentary = "D"
	firstRow      = 2 // row 1 is the header
)

// BuildWorkbook makes the XLSX workbook of an area's self-assessment, filled in with the answers
// already saved. now dates the About sheet.
func BuildWorkbook(w WorkbookFor, t Template, a Area, now time.Time) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetAnswers); err != nil {
		return nil, fmt.Errorf("selfassess: workbook: %w", err)
	}
	b := &bookBuilder{f: f}
	for _, name := range []string{SheetScale, SheetAbout, SheetIDs} {
		if _, err := f.NewSheet(name); err != nil {
			return nil, fmt.Errorf("selfassess: workbook: %w", err)
		}
	}
	header := b.style(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F3F2F1"}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Protection: &excelize.Protection{Locked: true}})
	locked := b.style(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
		Protection: &excelize.Protection{Locked: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F3F2F1"}}})
	title := b.style(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
		Protection: &excelize.Protection{Locked: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F3F2F1"}}})
	open := b.style(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
		Protection: &excelize.Protection{Locked: false},
		Border: []excelize.Border{{Type: "left", Color: "0B0C0C", Style: 1}, {Type: "right", Color: "0B0C0C", Style: 1},
			{Type: "top", Color: "0B0C0C", Style: 1}, {Type: "bottom", Color: "0B0C0C", Style: 1}}})
	wrap := b.style(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	bold := b.style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})

	// The answers: one row per element.
	s := SheetAnswers
	b.row(s, 1, "Element", "What to consider", "Your rating (choose from the list)", "Your commentary")
	b.styleRange(s, "A1", "D1", header)
	b.width(s, "A", "A", 24)
	b.width(s, "B", "B", 60)
	b.width(s, "C", "C", 26)
	b.width(s, "D", "D", 90)
	last := firstRow + len(t.Elements) - 1
	for i, e := range t.Elements {
		r := firstRow + i
		ans := a.Responses[e.ID]
		label := ""
		if l, ok := t.Level(ans.LevelID); ok {
			label = l.Label
		}
		b.row(s, r, e.Title, e.Guidance, label, ans.Commentary)
		b.styleRange(s, colTitle+strconv.Itoa(r), colTitle+strconv.Itoa(r), title)
		b.styleRange(s, colGuidance+strconv.Itoa(r), colGuidance+strconv.Itoa(r), locked)
		b.styleRange(s, colRating+strconv.Itoa(r), colCommentary+strconv.Itoa(r), open)
		if b.err == nil {
			b.err = f.SetRowHeight(s, r, 120)
		}
	}
	if len(t.Elements) > 0 && len(t.Levels) > 0 && b.err == nil {
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(fmt.Sprintf("%s%d:%s%d", colRating, firstRow, colRating, last))
		dv.SetSqrefDropList(fmt.Sprintf("'%s'!$A$2:$A$%d", SheetScale, 1+len(t.Levels)))
		dv.SetInput("Your rating", "Choose a rating from the list. The sheet "+SheetScale+" describes each one.")
		dv.SetError(excelize.DataValidationErrorStyleStop, "Choose a rating from the list", "The rating must be one from the list.")
		b.err = f.AddDataValidation(s, dv)
	}
	if b.err == nil {
		b.err = f.SetPanes(s, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	b.protect(s)

	// The scale.
	s = SheetScale
	b.row(s, 1, "Rating", "What it means")
	b.styleRange(s, "A1", "B1", header)
	b.width(s, "A", "A", 24)
	b.width(s, "B", "B", 90)
	for i, l := range t.Levels {
		b.row(s, 2+i, l.Label, l.Description)
		b.styleRange(s, "B"+strconv.Itoa(2+i), "B"+strconv.Itoa(2+i), wrap)
	}
	b.protect(s)

	// What the workbook is and how to use it.
	s = SheetAbout
	b.width(s, "A", "A", 110)
	commentary := "Commentary is optional, but it helps the review team understand your rating."
	if t.CommentaryRequired {
		commentary = "Every element needs a rating and commentary before you can submit."
	}
	lines := []string{
		"Self-assessment for " + w.AreaName,
		w.ReviewTitle,
		"Downloaded on " + now.Format("2 January 2006") + ".",
		"",
		"How to fill it in",
		"1. On the sheet " + SheetAnswers + ", choose a rating for each element in column C from the list.",
		"   The sheet " + SheetScale + " says what each rating means.",
		"2. Write your commentary in column D: what is in place, what is planned and what evidence you have (up to 10,000 characters).",
		"   " + commentary,
		"3. Save the file as an Excel workbook (.xlsx) and upload it on the self-assessment page.",
		"   You will be able to check what was read before anything is saved, and you still submit on the service.",
		"",
		"Do not add, remove, move or rename rows or sheets: the service uses them to match your answers to the elements.",
		"This spreadsheet is only for " + w.AreaName + ". If the review lead changes the elements, download a fresh copy.",
	}
	for i, l := range lines {
		b.set(s, "A"+strconv.Itoa(i+1), l)
	}
	b.styleRange(s, "A1", "A1", bold)
	b.styleRange(s, "A5", "A5", bold)
	b.protect(s)

	// The identification, very hidden: review, area and the element of each row.
	s = SheetIDs
	b.row(s, 1, "review", w.ReviewID, w.ReviewTitle)
	b.row(s, 2, "area", w.AreaID, w.AreaName)
	b.row(s, 3, "row", "element", "title")
	for i, e := range t.Elements {
		b.row(s, 4+i, strconv.Itoa(firstRow+i), e.ID, e.Title)
	}
	b.protect(s)
	if b.err == nil {
		b.err = f.SetSheetVisible(SheetIDs, false, true)
	}
	if b.err == nil {
		f.SetActiveSheet(0)
		b.err = f.SetDocProps(&excelize.DocProperties{Title: "Self-assessment for " + w.AreaName + " – " + w.ReviewTitle,
			Creator: "Thematic reviews"})
	}
	if b.err != nil {
		return nil, fmt.Errorf("selfassess: workbook: %w", b.err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("selfassess: workbook: %w", err)
	}
	return buf.Bytes(), nil
}

// bookBuilder keeps the first error of a run of excelize calls.
type bookBuilder struct {
	f   *excelize.File
	err error
}

func (b *bookBuilder) style(s *excelize.Style) int {
	if b.err != nil {
		return 0
	}
	id, err := b.f.NewStyle(s)
	b.err = err
	return id
}

func (b *bookBuilder) set(sheet, cell, v string) {
	if b.err == nil {
		b.err = b.f.SetCellStr(sheet, cell, v)
	}
}

func (b *bookBuilder) row(sheet string, r int, vs ...string) {
	for i, v := range vs {
		cell, err := excelize.CoordinatesToCellName(i+1, r)
		if err != nil {
			b.err = err
			return
		}
		b.set(sheet, cell, v)
	}
}

func (b *bookBuilder) styleRange(sheet, from, to string, style int) {
	if b.err == nil {
		b.err = b.f.SetCellStyle(sheet, from, to, style)
	}
}

func (b *bookBuilder) width(sheet, from, to string, w float64) {
	if b.err == nil {
		b.err = b.f.SetColWidth(sheet, from, to, w)
	}
}

// protect locks a sheet without a password: unlocked cells stay editable, rows can be resized.
func (b *bookBuilder) protect(sheet string) {
	if b.err == nil {
		b.err = b.f.ProtectSheet(sheet, &excelize.SheetProtectionOptions{FormatRows: true, FormatColumns: true,
			SelectLockedCells: true, SelectUnlockedCells: true})
	}
}

// SheetAnswer is what a workbook says about one element.
type SheetAnswer struct {
	Element    Element
	Row        int
	LevelID    string // "" when not rated
	Commentary string
}

// WorkbookError is a workbook refused, with every problem found; each message names the sheet and
// the cell or row at fault where there is one, and is fit to show.
type WorkbookError struct{ Problems []string }

func (e *WorkbookError) Error() string {
	return "selfassess: workbook refused: " + strings.Join(e.Problems, "; ")
}

func refuse(msg string, args ...any) error {
	return &WorkbookError{Problems: []string{fmt.Sprintf(msg, args...)}}
}

const fresh = "download a fresh copy from the self-assessment page"

// CheckWorkbookFile checks an uploaded file before anything opens it as a workbook: not empty,
// not over WorkbookMaxBytes, an XLSX by its content, and a zip whose central directory promises
// nothing out of proportion (total and per-entry sizes, entry count, number of sheets). Nothing
// is decompressed.
func CheckWorkbookFile(content []byte) error {
	if len(content) == 0 {
		return refuse("The selected file is empty")
	}
	if len(content) > WorkbookMaxBytes {
		return refuse("The selected file must be smaller than %d MB", WorkbookMaxBytes>>20)
	}
	notXLSX := "The selected file must be an Excel spreadsheet (.xlsx); " + fresh + ", fill it in and upload that"
	if _, err := document.Sniff("workbook.xlsx", content); err != nil {
		return refuse("%s", notXLSX)
	}
	zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		return refuse("%s", notXLSX)
	}
	if len(zr.File) > WorkbookMaxEntries {
		return refuse("The selected spreadsheet has %d parts inside it, more than a self-assessment spreadsheet can have; %s", len(zr.File), fresh)
	}
	var total uint64
	sheets := 0
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if zf.UncompressedSize64 > workbookRatioFloor && zf.UncompressedSize64 > workbookMaxRatio*max(zf.CompressedSize64, 1) {
			return refuse("The selected spreadsheet cannot be read safely: it expands to far more than its size (a “zip bomb”); %s", fresh)
		}
		if strings.HasPrefix(zf.Name, "xl/worksheets/") && strings.HasSuffix(zf.Name, ".xml") && !strings.Contains(zf.Name[len("xl/worksheets/"):], "/") ||
			strings.HasPrefix(zf.Name, "xl/chartsheets/") && strings.HasSuffix(zf.Name, ".xml") && !strings.Contains(zf.Name[len("xl/chartsheets/"):], "/") {
			sheets++
		}
	}
	if total > WorkbookMaxUnzipped {
		return refuse("The selected spreadsheet cannot be read safely: it expands to %d MB, more than the %d MB allowed; %s",
			total>>20, WorkbookMaxUnzipped>>20, fresh)
	}
	if sheets > WorkbookMaxSheets {
		return refuse("The selected spreadsheet has %d sheets; a self-assessment spreadsheet has 3, and no more than %d can be read; %s",
			sheets, WorkbookMaxSheets, fresh)
	}
	return nil
}

// ReadWorkbook reads an uploaded workbook of area w against the template: one SheetAnswer per
// element in the template's order, or a *WorkbookError listing every problem.
func ReadWorkbook(content []byte, w WorkbookFor, t Template) ([]SheetAnswer, error) {
	if err := CheckWorkbookFile(content); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(content), excelize.Options{UnzipSizeLimit: WorkbookMaxUnzipped,
		UnzipXMLSizeLimit: WorkbookMaxEntryXML})
	if err != nil {
		return nil, refuse("The selected file could not be read as an Excel spreadsheet; " + fresh + ", fill it in and upload that")
	}
	defer f.Close()
	list := f.GetSheetList()
	if len(list) > WorkbookMaxSheets {
		return nil, refuse("The selected spreadsheet has %d sheets; a self-assessment spreadsheet has 3, and no more than %d can be read; %s",
			len(list), WorkbookMaxSheets, fresh)
	}
	has := map[string]bool{}
	for _, s := range list {
		has[s] = true
	}
	if !has[SheetIDs] {
		return nil, refuse("This spreadsheet was not downloaded from this service, or has been changed so that it cannot be matched to your self-assessment; %s", fresh)
	}
	if !has[SheetAnswers] {
		return nil, refuse("The sheet %s is missing from this spreadsheet; %s", SheetAnswers, fresh)
	}
	cell := func(sheet, c string) string {
		v, err := f.GetCellValue(sheet, c)
		if err != nil {
			return ""
		}
		return v
	}
	// Whose workbook is it?
	if cell(SheetIDs, "A1") != "review" || cell(SheetIDs, "A2") != "area" {
		return nil, refuse("This spreadsheet was not downloaded from this service, or has been changed so that it cannot be matched to your self-assessment; %s", fresh)
	}
	if id := cell(SheetIDs, "B1"); !strings.EqualFold(id, w.ReviewID) {
		other := cell(SheetIDs, "C1")
		if other == "" || other == w.ReviewTitle {
			other = "another review"
		} else {
			other = "the review “" + other + "”"
		}
		return nil, refuse("This spreadsheet is for %s, not %s; %s", other, w.ReviewTitle, fresh)
	}
	if id := cell(SheetIDs, "B2"); !strings.EqualFold(id, w.AreaID) {
		other := cell(SheetIDs, "C2")
		if other == "" || other == w.AreaName {
			other = "another area"
		}
		return nil, refuse("This spreadsheet is for %s, not %s; %s", other, w.AreaName, fresh)
	}
	// Which row holds which element?
	rowOf := map[string]int{}
	var gone []string
	for i := 4; ; i++ {
		n := strconv.Itoa(i)
		rowText, id, title := cell(SheetIDs, "A"+n), strings.ToLower(cell(SheetIDs, "B"+n)), cell(SheetIDs, "C"+n)
		if rowText == "" && id == "" {
			break
		}
		r, err := strconv.Atoi(rowText)
		if err != nil || r < firstRow || i > 4+len(t.Elements)+workbookMaxExtraRows {
			return nil, refuse("This spreadsheet has been changed so that it cannot be matched to your self-assessment; %s", fresh)
		}
		if _, ok := t.Element(id); !ok {
			gone = append(gone, title)
			continue
		}
		rowOf[id] = r
	}
	var problems []string
	for _, title := range gone {
		problems = append(problems, fmt.Sprintf("The element “%s” in this spreadsheet is no longer part of the self-assessment; %s", title, fresh))
	}
	levels := map[string]string{}
	for _, l := range t.Levels {
		k := strings.ToLower(strings.Join(strings.Fields(l.Label), " "))
		if _, dup := levels[k]; !dup {
			levels[k] = l.ID
		}
	}
	out := make([]SheetAnswer, 0, len(t.Elements))
	used := map[int]bool{}
	for _, e := range t.Elements {
		r, ok := rowOf[e.ID]
		if !ok {
			problems = append(problems, fmt.Sprintf("The element “%s” is missing from this spreadsheet: it was added after the spreadsheet was downloaded; %s", e.Title, fresh))
			continue
		}
		used[r] = true
		n := strconv.Itoa(r)
		got := strings.TrimSpace(cell(SheetAnswers, colTitle+n))
		if got != e.Title {
			if got == "" {
				problems = append(problems, fmt.Sprintf("Row %d on sheet %s: the element “%s” is missing; %s", r, SheetAnswers, e.Title, fresh))
			} else {
				problems = append(problems, fmt.Sprintf("Row %d on sheet %s: expected the element “%s” but found “%s”; rows must not be moved, removed or renamed, so %s",
					r, SheetAnswers, e.Title, got, fresh))
			}
			continue
		}
		a := SheetAnswer{Element: e, Row: r, Commentary: strings.TrimSpace(strings.ReplaceAll(cell(SheetAnswers, colCommentary+n), "\r\n", "\n"))}
		if label := strings.TrimSpace(cell(SheetAnswers, colRating+n)); label != "" {
			id, ok := levels[strings.ToLower(strings.Join(strings.Fields(label), " "))]
			if !ok {
				problems = append(problems, fmt.Sprintf("Cell %s%d on sheet %s: “%s” is not one of the ratings; choose one from the list", colRating, r, SheetAnswers, label))
			}
			a.LevelID = id
		}
		if len(a.Commentary) > MaxCommentary {
			problems = append(problems, fmt.Sprintf("Cell %s%d on sheet %s: the commentary for “%s” is %d characters long; it must be 10,000 characters or fewer",
				colCommentary, r, SheetAnswers, e.Title, len([]rune(a.Commentary))))
		}
		out = append(out, a)
	}
	// Answers written on rows that belong to no element would be lost: say so.
	end := firstRow + len(t.Elements) + workbookMaxExtraRows
	for r := firstRow; r <= end; r++ {
		if used[r] {
			continue
		}
		n := strconv.Itoa(r)
		if _, ok := rowElement(rowOf, r); ok {
			continue // a row whose element is reported above
		}
		if cell(SheetAnswers, colTitle+n) != "" || strings.TrimSpace(cell(SheetAnswers, colRating+n)) != "" ||
			strings.TrimSpace(cell(SheetAnswers, colCommentary+n)) != "" {
			problems = append(problems, fmt.Sprintf("Row %d on sheet %s: this row is not one of the elements of the self-assessment, so what it says cannot be read; remove it or %s",
				r, SheetAnswers, fresh))
		}
	}
	if len(problems) > 0 {
		return nil, &WorkbookError{Problems: problems}
	}
	return out, nil
}

func rowElement(rowOf map[string]int, r int) (string, bool) {
	for id, x := range rowOf {
		if x == r {
			return id, true
		}
	}
	return "", false
}

// Problems returns the messages of a workbook refusal, or nil when err is not one.
func Problems(err error) []string {
	var we *WorkbookError
	if errors.As(err, &we) {
		return we.Problems
	}
	return nil
}
