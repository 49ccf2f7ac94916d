// Package questionnaire holds an area's family questionnaire results: counts of answers per
// question, imported as CSV by the review's lead or the area's local authority contact, shown per
// area and totalled for the report's methodology.
package questionnaire

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"thematic/internal/text"
)

// Limits of an import.
const (
	MaxBytes     = 2 << 20    // the largest CSV accepted, file or pasted
	MaxRows      = 5000       // rows of results, the header not counted
	MaxQuestion  = 300        // characters of a question
	MaxAnswer    = 150        // characters of an answer
	MaxCount     = 10_000_000 // the largest count of one answer
	MaxProblems  = 20         // problems listed when a file is refused
	headerFormat = "question,answer,count"
)

// Row is one line of results: how many respondents gave an answer to a question.
type Row struct {
	Question string
	Answer   string
	Count    int
}

// Problem is one thing wrong with a file; Line is 0 when it is about the whole file.
type Problem struct {
	Line    int
	Message string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Message
	}
	return "Line " + strconv.Itoa(p.Line) + ": " + p.Message
}

// ParseError refuses a file: the first MaxProblems problems, and how many more there were.
type ParseError struct {
	Problems []Problem
	More     int
}

func (e *ParseError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	s := strings.Join(msgs, "; ")
	if e.More > 0 {
		s += fmt.Sprintf("; and %d more", e.More)
	}
	return "questionnaire: " + s
}

// Lines lists the problems as users read them, with a last line for any not listed.
func (e *ParseError) Lines() []string {
	out := make([]string, 0, len(e.Problems)+1)
	for _, p := range e.Problems {
		out = append(out, p.String())
	}
	if e.More == 1 {
		out = append(out, "There is 1 more problem not listed here.")
	} else if e.More > 1 {
		out = append(out, fmt.Sprintf("There are %d more problems not listed here.", e.More))
	}
	return out
}

type problems struct {
	list []Problem
	more int
}

func (ps *problems) add(line int, format string, args ...any) {
	if len(ps.list) >= MaxProblems {
		ps.more++
		return
	}
	ps.list = append(ps.list, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ParseError{Problems: ps.list, More: ps.more}
}

// ErrTooLarge is returned when the CSV is over MaxBytes.
var ErrTooLarge = errors.New("questionnaire: the file is larger than 2 MB")

// ReadLimited reads at most MaxBytes of r, or returns ErrTooLarge without reading the rest.
func ReadLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("questionnaire: read: %w", err)
	}
	if len(b) > MaxBytes {
		return nil, ErrTooLarge
	}
	return b, nil
}

// Parse reads a CSV of results with the header question,answer,count (any case, any order; a
// UTF-8 byte order mark, CRLF line ends and quoted fields are fine; cells pasted from a
// spreadsheet, separated by tabs, too). Every problem found is
// reported with its line (up to MaxProblems of them, with a count of the rest); a file with any
// problem gives no rows.
func Parse(data []byte) ([]Row, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	ps := &problems{}
	if len(bytes.TrimSpace(data)) == 0 {
		ps.add(0, "The file is empty. It must start with the header row %s, followed by a row for each answer.", headerFormat)
		return nil, ps.err()
	}
	if len(data) > MaxBytes {
		return nil, ErrTooLarge
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 { // PostgreSQL text cannot hold NUL either
		ps.add(0, "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and try again.")
		return nil, ps.err()
	}
	cr := csv.NewReader(bytes.NewReader(data))
	if first, _, _ := bytes.Cut(data, []byte("\n")); bytes.Contains(first, []byte("\t")) && !bytes.Contains(first, []byte(",")) {
		cr.Comma = '\t' // cells copied from a spreadsheet
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false

	header, err := cr.Read()
	if err != nil {
		line := 1
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine // blank lines before the header are skipped
		}
		ps.add(line, "the header row could not be read (%s)", csvReason(err))
		return nil, ps.err()
	}
	headerLine, _ := cr.FieldPos(0) // not 1 when blank lines come first
	col, ok := headerColumns(header, headerLine, ps)
	if !ok {
		return nil, ps.err()
	}
	var rows []Row
	seen := map[[2]string]int{}
	spelling := map[string]string{} // a question as first written, whatever the case later
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			ps.add(line, "%s. The rest of the file was not checked.", csvReason(err))
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rows) >= MaxRows {
			ps.add(line, "the file has more than %d rows of results", MaxRows)
			break
		}
		if len(rec) != 3 {
			ps.add(line, "the row must have 3 values (question, answer and count) but has %d", len(rec))
			continue
		}
		q := clean(rec[col[0]])
		a := clean(rec[col[1]])
		c := strings.TrimSpace(rec[col[2]])
		bad := false
		switch {
		case q == "":
			ps.add(line, "enter the question")
			bad = true
		case utf8.RuneCountInString(q) > MaxQuestion:
			ps.add(line, "the question must be %d characters or fewer", MaxQuestion)
			bad = true
		}
		switch {
		case a == "":
			ps.add(line, "enter the answer")
			bad = true
		case utf8.RuneCountInString(a) > MaxAnswer:
			ps.add(line, "the answer must be %d characters or fewer", MaxAnswer)
			bad = true
		}
		n, msg := parseCount(c)
		if msg != "" {
			ps.add(line, "%s", msg)
			bad = true
		}
		if first, ok := spelling[strings.ToLower(q)]; ok {
			q = first
		} else if q != "" {
			spelling[strings.ToLower(q)] = q
		}
		if !bad {
			key := [2]string{strings.ToLower(q), strings.ToLower(a)}
			if first, dup := seen[key]; dup {
				ps.add(line, "this answer is already listed for the question, on line %d", first)
			} else {
				seen[key] = line
			}
		}
		rows = append(rows, Row{Question: q, Answer: a, Count: n})
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		ps.add(0, "The file has a header row but no results. Add a row for each answer under the header %s.", headerFormat)
		return nil, ps.err()
	}
	return rows, nil
}

// headerColumns finds the question, answer and count columns in the header row.
func headerColumns(header []string, line int, ps *problems) ([3]int, bool) {
	col := [3]int{-1, -1, -1}
	names := []string{"question", "answer", "count"}
	var unknown []string
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		found := false
		for j, n := range names {
			if h == n && col[j] < 0 {
				col[j], found = i, true
				break
			}
		}
		if !found {
			unknown = append(unknown, strings.TrimSpace(header[i]))
		}
	}
	var missing []string
	for j, n := range names {
		if col[j] < 0 {
			missing = append(missing, n)
		}
	}
	switch {
	case len(missing) > 0:
		ps.add(line, "the header row must be %s; the %s column is missing", headerFormat, text.JoinAnd(missing))
		return col, false
	case len(unknown) > 0:
		ps.add(line, "the header row must be %s; remove the column %q", headerFormat, unknown[0])
		return col, false
	}
	return col, true
}

// parseCount reads a count: a whole number from 0 to MaxCount.
func parseCount(s string) (int, string) {
	if s == "" {
		return 0, "enter the count, a whole number like 12"
	}
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, "the count must be a whole number, like 12"
		}
	}
	if digits == "" {
		return 0, "the count must be a whole number, like 12"
	}
	if neg {
		return 0, "the count must be 0 or more"
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n > MaxCount {
		return 0, fmt.Sprintf("the count must be %s or fewer", "10,000,000")
	}
	return n, ""
}

// clean trims a value and folds runs of white space into one space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
			return "a quotation mark is out of place: a value with a quotation mark in it must be in quotation marks, with the mark doubled (\"\")"
		}
	}
	return "the row is not valid CSV"
}

// Summary figures of a set of rows: the total of the counts, and the respondents, taken as the
// largest total of any one question.
func Summary(rows []Row) (total, respondents int64) {
	perQ := map[string]int64{}
	for _, r := range rows {
		total += int64(r.Count)
		perQ[strings.ToLower(r.Question)] += int64(r.Count)
	}
	for _, n := range perQ {
		respondents = max(respondents, n)
	}
	return total, respondents
}
