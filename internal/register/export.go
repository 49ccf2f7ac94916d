package register

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Columns are the exports' headings, one row per recommendation.
var Columns = []string{"Review", "Number", "Recommendation", "Addressee", "Status", "Published", "Status changed",
	"Responses", "Followed up by"}

// DisplayDate is a date as the service prints it ("7 March 2025").
func DisplayDate(t time.Time) string { return t.Format("2 January 2006") }

// ResponseDate prints a response's received date.
func ResponseDate(s string) string {
	if d, err := time.Parse("2006-01-02", s); err == nil {
		return DisplayDate(d)
	}
	return s
}

// Cells is one entry as the exports write it.
func (e Entry) Cells() []string {
	changed := ""
	if e.ChangedAt != nil {
		changed = e.ChangedAt.Format("2006-01-02")
	}
	var responses []string
	for _, r := range e.Responses {
		responses = append(responses, r.ReceivedOn+" – "+r.Responder+": "+r.Body)
	}
	var follow []string
	for _, f := range e.FollowUps {
		follow = append(follow, f.ReviewTitle)
	}
	return []string{e.ReviewTitle, strconv.Itoa(e.Number), e.Body, e.Addressee, StatusLabel(e.Status),
		e.PublishedAt.Format("2006-01-02"), changed, strings.Join(responses, "\n"), strings.Join(follow, "\n")}
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// CSVWriter writes rows as CSV as they come.
type CSVWriter struct{ w *csv.Writer }

// NewCSV starts a CSV export on w with its heading row.
func NewCSV(w io.Writer) (*CSVWriter, error) {
	c := &CSVWriter{w: csv.NewWriter(w)}
	return c, c.w.Write(Columns)
}

// Write writes one entry.
func (c *CSVWriter) Write(e Entry) error {
	cells := e.Cells()
	for i := range cells {
		cells[i] = csvSafe(cells[i])
	}
	if err := c.w.Write(cells); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

// Close flushes the export.
func (c *CSVWriter) Close() error { c.w.Flush(); return c.w.Error() }

// XLSXWriter writes rows to a workbook through excelize's stream writer (rows beyond its memory
// threshold go to a temporary file), written out on Close.
type XLSXWriter struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	row int
	out io.Writer
}

// NewXLSX starts a workbook export with its heading row; Close writes it to out.
func NewXLSX(out io.Writer) (*XLSXWriter, error) {
	f := excelize.NewFile()
	const sheet = "Register"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	x := &XLSXWriter{f: f, sw: sw, row: 1, out: out}
	head := make([]any, len(Columns))
	for i, c := range Columns {
		head[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return nil, err
	}
	return x, nil
}

// Write writes one entry.
func (x *XLSXWriter) Write(e Entry) error {
	x.row++
	cells := e.Cells()
	row := make([]any, len(cells))
	for i, c := range cells {
		row[i] = c
	}
	row[1] = e.Number
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, row)
}

// Close finishes the workbook and writes it out.
func (x *XLSXWriter) Close() error {
	defer func() { _ = x.f.Close() }()
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("register: xlsx: %w", err)
	}
	_, err := x.f.WriteTo(x.out)
	return err
}
