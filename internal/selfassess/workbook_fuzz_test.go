package selfassess_test

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"thematic/internal/selfassess"
)

// fuzzMaxInput keeps fuzz inputs small enough that one run never takes long.
const fuzzMaxInput = 1 << 20

// fuzzMaxTime is the longest one input may take: far more than any real workbook needs.
const fuzzMaxTime = 10 * time.Second

// FuzzReadWorkbook feeds ReadWorkbook (and so CheckWorkbookFile) arbitrary bytes: it must never
// panic, and must return either one answer per element or a refusal whose every message can be
// shown. Seeds: workbooks the package builds, and truncated and byte-flipped copies of them.
func FuzzReadWorkbook(f *testing.F) {
	tpl := wbTemplate()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	empty, err := selfassess.BuildWorkbook(wbFor, tpl, selfassess.Area{}, now)
	if err != nil {
		f.Fatal(err)
	}
	filled, err := selfassess.BuildWorkbook(wbFor, tpl, selfassess.Area{Responses: map[string]selfassess.Response{
		tpl.Elements[0].ID: {ElementID: tpl.Elements[0].ID, LevelID: tpl.Levels[0].ID, Commentary: "Family hubs open in every locality", Version: 1},
		tpl.Elements[1].ID: {ElementID: tpl.Elements[1].ID, LevelID: tpl.Levels[2].ID, Commentary: "Joint board\nsince 2024", Version: 3},
	}}, now)
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range [][]byte{empty, filled} {
		f.Add(b)
		for _, n := range []int{len(b) / 2, len(b) - 22, len(b) - 1, 30, 4} { // truncated: mid-entry, in the end record, the signature
			f.Add(b[:n])
		}
		for _, at := range []int{10, 100, len(b) / 3, len(b) / 2, len(b) - 40, len(b) - 10} { // one byte flipped
			c := append([]byte(nil), b...)
			c[at] ^= 0xff
			f.Add(c)
		}
	}
	f.Add([]byte{})
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("question,answer,count\n"))

	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > fuzzMaxInput {
			t.Skip()
		}
		checkRead(t, b, tpl)
	})
}

// FuzzReadWorkbookCells reaches past the zip checks: it writes arbitrary text into the cells
// ReadWorkbook reads (an identification row, a title, a rating and a commentary) of a workbook the
// package built, and checks the same properties as FuzzReadWorkbook.
func FuzzReadWorkbookCells(f *testing.F) {
	tpl := wbTemplate()
	base, err := selfassess.BuildWorkbook(wbFor, tpl, selfassess.Area{}, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	if err != nil {
		f.Fatal(err)
	}
	e0 := tpl.Elements[0]
	f.Add(uint8(0), "", "", "", "", "")
	f.Add(uint8(0), "2", e0.ID, e0.Title, tpl.Levels[1].Label, "Commentary")
	f.Add(uint8(1), "0", strings.ToUpper(e0.ID), " "+e0.Title+" ", "  "+strings.ToUpper(tpl.Levels[0].Label)+" ", strings.Repeat("x", 10001))
	f.Add(uint8(3), "-1", "not an id", "Another title", "Excellent", "a\r\nb")
	f.Add(uint8(200), "99999999999", "", "", "", "")
	f.Add(uint8(7), "1048576", "aaaaaaaa-0000-4000-8000-000000000099", "Gone", "", "")
	f.Fuzz(func(t *testing.T, at uint8, rowText, id, title, rating, commentary string) {
		ef, err := excelize.OpenReader(bytes.NewReader(base))
		if err != nil {
			t.Fatal(err)
		}
		defer ef.Close()
		r := 2 + int(at)%(len(tpl.Elements)+3) // a row of the answers sheet, or just past them
		n := strconv.Itoa(4 + int(at)%(len(tpl.Elements)+3))
		sets := []struct{ sheet, cell, v string }{
			{selfassess.SheetIDs, "A" + n, rowText}, {selfassess.SheetIDs, "B" + n, id},
			{selfassess.SheetAnswers, "A" + strconv.Itoa(r), title}, {selfassess.SheetAnswers, "C" + strconv.Itoa(r), rating},
			{selfassess.SheetAnswers, "D" + strconv.Itoa(r), commentary},
		}
		for _, c := range sets {
			if c.v == "" {
				continue
			}
			if err := ef.SetCellStr(c.sheet, c.cell, c.v); err != nil {
				t.Skip() // text excelize will not write
			}
		}
		buf, err := ef.WriteToBuffer()
		if err != nil {
			t.Skip()
		}
		checkRead(t, buf.Bytes(), tpl)
	})
}

// checkRead reads b and checks the properties every read must have.
func checkRead(t *testing.T, b []byte, tpl selfassess.Template) {
	t.Helper()
	levels := map[string]bool{}
	for _, l := range tpl.Levels {
		levels[l.ID] = true
	}
	// A hang is a failure: stop the process, so that the fuzzer keeps the input as a crasher.
	watchdog := time.AfterFunc(fuzzMaxTime, func() { panic(fmt.Sprintf("ReadWorkbook took over %s on %d bytes", fuzzMaxTime, len(b))) })
	got, err := selfassess.ReadWorkbook(b, wbFor, tpl)
	watchdog.Stop()
	if err != nil {
		if got != nil {
			t.Fatalf("answers and an error: %v", err)
		}
		ps := selfassess.Problems(err)
		if len(ps) == 0 {
			t.Fatalf("not a workbook refusal, or one without problems: %v", err)
		}
		for i, p := range ps {
			if p == "" {
				t.Fatalf("problem %d has no message: %q", i, ps)
			}
		}
		return
	}
	if len(got) != len(tpl.Elements) {
		t.Fatalf("%d answers for %d elements", len(got), len(tpl.Elements))
	}
	for i, a := range got {
		if a.Element.ID != tpl.Elements[i].ID {
			t.Fatalf("answer %d is for %q, want %q", i, a.Element.ID, tpl.Elements[i].ID)
		}
		if a.Row < 2 {
			t.Fatalf("answer %d on row %d", i, a.Row)
		}
		if a.LevelID != "" && !levels[a.LevelID] {
			t.Fatalf("answer %d has level %q, not one of the scale", i, a.LevelID)
		}
		if !utf8.ValidString(a.Commentary) || strings.ContainsRune(a.Commentary, 0) {
			t.Fatalf("answer %d has commentary PostgreSQL refuses: %q", i, a.Commentary)
		}
		if len(a.Commentary) > selfassess.MaxCommentary {
			t.Fatalf("answer %d has commentary of %d bytes", i, len(a.Commentary))
		}
	}
}
