package questionnaire_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"thematic/internal/questionnaire"
)

func parseErr(t *testing.T, in string) *questionnaire.ParseError {
	t.Helper()
	rows, err := questionnaire.Parse([]byte(in))
	var pe *questionnaire.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse(%q) = %v, %v; want a ParseError", in, rows, err)
	}
	if rows != nil {
		t.Fatalf("Parse(%q) gave rows with an error: %v", in, rows)
	}
	return pe
}

func wantProblem(t *testing.T, pe *questionnaire.ParseError, want string) {
	t.Helper()
	for _, l := range pe.Lines() {
		if strings.Contains(l, want) {
			return
		}
	}
	t.Errorf("problems %q: none contains %q", pe.Lines(), want)
}

func TestQuestionnaireParseGood(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"plain":         "question,answer,count\nHow did you hear?,Health visitor,42\nHow did you hear?,Friend,17\nWas it useful?,Yes,50\n",
		"BOM and CRLF":  "\ufeffQuestion,Answer,Count\r\nHow did you hear?,Health visitor,42\r\nHow did you hear?,Friend,17\r\nWas it useful?,Yes,50\r\n",
		"quoted":        "\"QUESTION\",\"answer\",\"count\"\n\"How did you hear?\",\"Health visitor\",\"42\"\n\"How did you hear?\",Friend,17\nWas it useful?,\"Yes\",50",
		"other order":   "count,question,answer\n42,How did you hear?,Health visitor\n17,How did you hear?,Friend\n50,Was it useful?,Yes\n",
		"tabs":          "question\tanswer\tcount\nHow did you hear?\tHealth visitor\t42\nHow did you hear?\tFriend\t17\nWas it useful?\tYes\t50\n",
		"spaces, blank": "question , answer,count\n  How did you hear?  , Health visitor , 42 \n\nHow did you hear?,Friend,17\nWas it useful?,Yes,50\n",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rows, err := questionnaire.Parse([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			want := []questionnaire.Row{{"How did you hear?", "Health visitor", 42}, {"How did you hear?", "Friend", 17}, {"Was it useful?", "Yes", 50}}
			if fmt.Sprint(rows) != fmt.Sprint(want) {
				t.Errorf("rows = %v, want %v", rows, want)
			}
			total, resp := questionnaire.Summary(rows)
			if total != 109 || resp != 59 {
				t.Errorf("Summary = %d, %d; want 109, 59", total, resp)
			}
		})
	}
}

func TestQuestionnaireParseQuotedComma(t *testing.T) {
	t.Parallel()
	rows, err := questionnaire.Parse([]byte("question,answer,count\n\"Which, if any, did you use?\",\"Baby group, \"\"Stay and play\"\"\",3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Question != "Which, if any, did you use?" || rows[0].Answer != `Baby group, "Stay and play"` {
		t.Errorf("rows = %v", rows)
	}
}

func TestQuestionnaireParseBad(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"empty", "", "The file is empty"},
		{"only BOM and spaces", "\ufeff \r\n", "The file is empty"},
		{"header only", "question,answer,count\r\n", "no results"},
		{"wrong header", "q,a,n\nx,y,1\n", "Line 1: the header row must be question,answer,count; the question, answer and count column is missing"},
		{"missing column", "question,answer\nx,y\n", "Line 1: the header row must be question,answer,count; the count column is missing"},
		{"extra column", "question,answer,count,notes\nx,y,1,z\n", `remove the column "notes"`},
		{"short row", "question,answer,count\nx,y,1\nx,z\n", "Line 3: the row must have 3 values"},
		{"non-numeric", "question,answer,count\nx,y,1\nx,z,1\nx,w,twelve\n", "Line 4: the count must be a whole number, like 12"},
		{"decimal", "question,answer,count\nx,y,1.5\n", "Line 2: the count must be a whole number, like 12"},
		{"negative", "question,answer,count\nx,y,-3\n", "Line 2: the count must be 0 or more"},
		{"too big", "question,answer,count\nx,y,99999999999\n", "Line 2: the count must be 10,000,000 or fewer"},
		{"empty count", "question,answer,count\nx,y,\n", "Line 2: enter the count"},
		{"empty question", "question,answer,count\n  ,y,1\n", "Line 2: enter the question"},
		{"empty answer", "question,answer,count\nx,\"\",1\n", "Line 2: enter the answer"},
		{"long question", "question,answer,count\n" + strings.Repeat("q", 301) + ",y,1\n", "Line 2: the question must be 300 characters or fewer"},
		{"duplicate pair", "question,answer,count\nx,Yes,1\nx,No,2\nz,Yes,1\nx,No,3\nx,yes,4\n", "Line 5: this answer is already listed for the question, on line 3"},
		{"duplicate, other case", "question,answer,count\nx,Yes,1\nX,yes,2\n", "Line 3: this answer is already listed for the question, on line 2"},
		{"bad quote", "question,answer,count\nx,y,1\n\"x,y\"z,1\n", "Line 3: a quotation mark is out of place"},
		{"not UTF-8", "question,answer,count\nx,\xff,1\n", "not UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			wantProblem(t, parseErr(t, c.in), c.want)
		})
	}
}

func TestQuestionnaireParseManyProblems(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("question,answer,count\n")
	for i := range 25 {
		fmt.Fprintf(&b, "q,a%d,x\n", i)
	}
	pe := parseErr(t, b.String())
	if len(pe.Problems) != questionnaire.MaxProblems || pe.More != 5 {
		t.Fatalf("problems = %d listed, %d more; want 20 and 5", len(pe.Problems), pe.More)
	}
	if pe.Problems[0].Line != 2 || pe.Problems[19].Line != 21 {
		t.Errorf("lines %d..%d, want 2..21", pe.Problems[0].Line, pe.Problems[19].Line)
	}
	lines := pe.Lines()
	if last := lines[len(lines)-1]; last != "There are 5 more problems not listed here." {
		t.Errorf("last line = %q", last)
	}
}

func TestQuestionnaireParseAllProblemsOfARow(t *testing.T) {
	t.Parallel()
	pe := parseErr(t, "question,answer,count\n,,-1\n")
	if len(pe.Problems) != 3 {
		t.Errorf("problems = %q, want 3 on line 2", pe.Lines())
	}
}

func TestQuestionnaireReadLimited(t *testing.T) {
	t.Parallel()
	if _, err := questionnaire.ReadLimited(strings.NewReader(strings.Repeat("x", questionnaire.MaxBytes+1))); !errors.Is(err, questionnaire.ErrTooLarge) {
		t.Errorf("over the limit: err = %v", err)
	}
	if b, err := questionnaire.ReadLimited(strings.NewReader("abc")); err != nil || string(b) != "abc" {
		t.Errorf("small: %q, %v", b, err)
	}
}

func TestQuestionnairePercent(t *testing.T) {
	t.Parallel()
	q := questionnaire.Question{Total: 3}
	if got := q.Percent(questionnaire.Answer{Count: 1}); got != "33.3%" {
		t.Errorf("Percent = %q", got)
	}
	if got := (questionnaire.Question{}).Percent(questionnaire.Answer{}); got != "–" {
		t.Errorf("Percent of none = %q", got)
	}
}
