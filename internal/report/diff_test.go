package report

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// bigDoc is a report of n paragraphs; change(i) says whether paragraph i reads differently.
func bigDoc(n int, change func(i int) bool) *Doc {
	d := &Doc{Title: "A long report"}
	for i := range n {
		text := fmt.Sprintf("Paragraph %d says what the inspectors found in the area, in a dozen words or so.", i)
		if change(i) {
			text = fmt.Sprintf("Paragraph %d says what the inspectors saw in the area, in other words.", i)
		}
		d.Blocks = append(d.Blocks, Block{Kind: Paragraph, Text: Text{{Text: text}}})
	}
	return d
}

// Two reports of 5,000 lines each: a change in a few nearby places is shown, line by line and
// word by word; changes spread through the whole report are refused with a clear message. Either
// answer comes quickly, whatever the size.
func TestCompareOfFiveThousandLinesIsCapped(t *testing.T) {
	const n = 5000
	base := bigDoc(n, func(int) bool { return false })

	start := time.Now()
	near := bigDoc(n, func(i int) bool { return i >= 2500 && i < 2510 && i%2 == 0 })
	lines, err := Compare(base, near)
	if err != nil {
		t.Fatalf("a change in one place: %v", err)
	}
	if got := Changes(lines); got != 5 || len(lines) != n+1 {
		t.Errorf("a change in one place: %d changes in %d lines, want 5 in %d", got, len(lines), n+1)
	}
	for _, l := range lines {
		if l.Op != Same && l.Op != Changed {
			t.Errorf("line %q is %s, want changed", l.Text, l.Op)
		}
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("comparing one change in %d lines took %v", n, d)
	}

	start = time.Now()
	spread := bigDoc(n, func(i int) bool { return i%10 == 0 })
	lines, err = Compare(base, spread)
	var tl *TooLargeError
	if !errors.As(err, &tl) || lines != nil {
		t.Fatalf("changes all through: %d lines, err %v; want a *TooLargeError", len(lines), err)
	}
	if tl.From != n && tl.From < n-10 || tl.To != tl.From {
		t.Errorf("too large: from %d to %d", tl.From, tl.To)
	}
	if msg := err.Error(); !strings.Contains(msg, "differ in too many places") || !strings.Contains(msg, "4,991") {
		t.Errorf("message %q", msg)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("refusing to compare %d lines took %v", n, d)
	}

	// The approval's lapse says the same, with the count, instead of the lines.
	lp := ChangedSinceApproval(State{Status: StatusApproved, ApprovedHash: Hash(base), ApprovedVersion: 2}, base, spread)
	if lp == nil || lp.Lines != nil || !strings.Contains(lp.TooLarge, "differ in too many places") || lp.Changes != tl.From {
		t.Errorf("lapse %+v", lp)
	}
}

// A line too long to align word by word shows as removed and added, quickly.
func TestCompareOfOneVeryLongLine(t *testing.T) {
	long := func(word string) *Doc {
		w := make([]string, 5000)
		for i := range w {
			w[i] = fmt.Sprintf("%s%d", word, i%7)
		}
		return &Doc{Title: "T", Blocks: []Block{{Kind: Paragraph, Text: Text{{Text: strings.Join(w, " ")}}}}}
	}
	start := time.Now()
	lines, err := Compare(long("alpha"), long("beta"))
	if err != nil || Changes(lines) != 2 {
		t.Fatalf("%d changes, err %v", Changes(lines), err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("took %v", d)
	}
}
