package questionnaire_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"thematic/internal/questionnaire"
)

// FuzzParseQuestionnaire feeds Parse arbitrary bytes. It must never panic. A refusal is a
// *ParseError whose problems have messages and point at a line of the input that has something on
// it (line 0 only for problems about the whole file); a success gives rows with a question, an
// answer and a count in range, and Summary's figures agree with them.
func FuzzParseQuestionnaire(f *testing.F) {
	for _, s := range []string{
		"question,answer,count\nHow did you hear about the hub?,Health visitor,12\nHow did you hear about the hub?,Friend,3\n",
		"\ufeffQuestion,Answer,Count\r\n\"Was it, overall, helpful?\",Yes,40\r\n\"Was it, overall, helpful?\",\"No, not \"\"really\"\"\",2\r\n",
		"count,question,answer\n5,Q,A\n",
		"question\tanswer\tcount\nQ\tA\t1\nQ\tB\t0\n",
		"question,answer,count\nQ,A,-1\nQ,A,x\nQ,,1\n,A,1\nQ,A,10000001\nQ,A\n",
		"question,answer,count\nQ,A,1\nq,a,2\n",
		"question,answer,count\nQ,\"A,1\n",
		"question,answer,count\nQ,A\"B,1\n",
		"\n\n\nquestion,answer\n",
		"\r\n\r\nquestion,answer,count,extra\n",
		"question,answer,count\n",
		"question,answer,count\n\n\nQ,A,1\n\nQ,B,\n",
		"question,answer,count\n\"multi\nline\nquestion\",A,1\nQ,A,1\nQ,A,1\n",
		"\ufeff",
		"   \n\t",
		"\xff\xfeq\x00u",
		"question,question,answer,count\n",
		"a\tb,c\n",
		"question,answer,count\n \" Q\",A,1\n",
		"question,answer,count\nQ\x00,A,1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			t.Skip()
		}
		rows, err := questionnaire.Parse(data)
		if err != nil {
			if rows != nil {
				t.Fatalf("rows and an error: %v", err)
			}
			var pe *questionnaire.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("not a ParseError: %v", err)
			}
			if len(pe.Problems) == 0 || len(pe.Problems) > questionnaire.MaxProblems || pe.More < 0 {
				t.Fatalf("%d problems listed and %d more", len(pe.Problems), pe.More)
			}
			lines := bytes.Split(data, []byte("\n"))
			for _, p := range pe.Problems {
				if strings.TrimSpace(p.Message) == "" {
					t.Fatalf("problem on line %d without a message", p.Line)
				}
				if p.Line == 0 {
					continue // about the whole file
				}
				if p.Line < 1 || p.Line > len(lines) {
					t.Fatalf("problem on line %d of an input of %d lines: %s", p.Line, len(lines), p)
				}
				if len(bytes.TrimSuffix(lines[p.Line-1], []byte("\r"))) == 0 {
					t.Fatalf("problem on line %d, which is empty: %s", p.Line, p)
				}
			}
			return
		}
		if len(rows) == 0 || len(rows) > questionnaire.MaxRows {
			t.Fatalf("%d rows and no error", len(rows))
		}
		var sum int64
		perQ := map[string]int64{}
		for i, r := range rows {
			if r.Question == "" || r.Answer == "" {
				t.Fatalf("row %d without a question or answer: %+v", i, r)
			}
			if utf8.RuneCountInString(r.Question) > questionnaire.MaxQuestion || utf8.RuneCountInString(r.Answer) > questionnaire.MaxAnswer {
				t.Fatalf("row %d too long: %+v", i, r)
			}
			if strings.ContainsRune(r.Question, 0) || strings.ContainsRune(r.Answer, 0) || !utf8.ValidString(r.Question) || !utf8.ValidString(r.Answer) {
				t.Fatalf("row %d holds text PostgreSQL refuses: %+v", i, r)
			}
			if r.Count < 0 || r.Count > questionnaire.MaxCount {
				t.Fatalf("row %d has count %d", i, r.Count)
			}
			sum += int64(r.Count)
			perQ[strings.ToLower(r.Question)] += int64(r.Count)
		}
		total, respondents := questionnaire.Summary(rows)
		if total != sum {
			t.Fatalf("Summary total %d, rows add up to %d", total, sum)
		}
		var most int64
		for _, n := range perQ {
			most = max(most, n)
		}
		if respondents != most || respondents > total {
			t.Fatalf("Summary respondents %d, largest question total %d, total %d", respondents, most, total)
		}
	})
}
