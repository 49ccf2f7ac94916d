package archive_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"thematic/internal/archive"
)

// uploadLimit is the server's default upload limit (MAX_UPLOAD_BYTES): the largest archive the
// web import reads.
const uploadLimit = 25 << 20

// memoryBound is what checking any file up to the upload limit may cost over the heap at rest.
const memoryBound = 100 << 20

// withNotes makes an archive of about size bytes: validRicher (as version 2) with a visit, and
// as many copies of note as fit, each given its number by fmt.
func withNotes(size int, note string) []byte {
	head := strings.NewReplacer(
		`"version": 1`, `"version": 2`,
		`"visits": []`, `"visits": [{"ref": "v1", "area": "area-E06000057", "start_date": null, "days": 1, "notes": "", "team": []}]`,
	).Replace(validRicher)
	before, after, _ := strings.Cut(head, `"notes": []`)
	var b bytes.Buffer
	b.Grow(size + 1<<10)
	b.WriteString(before)
	b.WriteString(`"notes": [`)
	for i := 0; b.Len() < size-len(after)-len(note)-16; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, note, i)
	}
	b.WriteString("]")
	b.WriteString(after)
	return b.Bytes()
}

// heapPeak runs f and reports the most the heap in use grew above its level at rest before f,
// sampled every millisecond and at the end.
func heapPeak(f func()) uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base, peak := m.HeapInuse, m.HeapInuse
	var mu sync.Mutex
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak = max(peak, m.HeapInuse)
		mu.Unlock()
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	f()
	sample()
	close(done)
	wg.Wait()
	return peak - base
}

// TestACraftedArchiveAtTheLimitIsRefusedCheaply is issue 14's file: notes that are each nothing
// but a numeric ref, as many as the upload limit holds (2.5 million). Each has a dozen problems;
// checking stops after the first hundred, says there are more, and costs the server a bounded
// amount of memory.
func TestACraftedArchiveAtTheLimitIsRefusedCheaply(t *testing.T) {
	data := withNotes(uploadLimit, `{"ref":%d}`)
	var err error
	start := time.Now()
	grew := heapPeak(func() { _, err = archive.ParseWithin(data, uploadLimit) })
	t.Logf("%d MB crafted archive refused in %s; heap grew at most %d MB", len(data)>>20, time.Since(start).Round(time.Millisecond), grew>>20)
	var inv *archive.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("want *archive.Invalid, got %v", err)
	}
	if len(inv.Problems) > archive.MaxProblems || !inv.More {
		t.Errorf("%d problems listed, more: %v; want at most %d and more", len(inv.Problems), inv.More, archive.MaxProblems)
	}
	if want := `notes[0].ref: must be a string`; !strings.HasPrefix(inv.Problems[0].String(), want) {
		t.Errorf("first problem %q, want %q", inv.Problems[0], want)
	}
	if c := inv.Count(); !strings.Contains(c, "more than 100 problems") || !strings.Contains(c, "stopped after the first 100") {
		t.Errorf("Count() = %q", c)
	}
	if grew > memoryBound {
		t.Errorf("checking the %d MB file grew the heap by %d MB, want at most %d MB", len(data)>>20, grew>>20, memoryBound>>20)
	}
}

// TestAValidArchiveAtTheLimitParsesWithinBounds checks the other side: a file at the upload
// limit with no problem (55,000 notes of a few lines) is read whole, still within the bound.
func TestAValidArchiveAtTheLimitParsesWithinBounds(t *testing.T) {
	note := `{"ref":"n%d","visit":"v1","author":"lead@demo.test","source":"src1","role":"role1","date":"2024-01-10",` +
		`"created_at":"2024-01-10T10:00:00Z","text":"` + strings.Repeat("The health visitor described the hub. ", 8) +
		`","judgement":"neutral","good_practice":false,"family_words":false,"action_areas":["aa1"],"lines":[],"themes":["fathers"]}`
	data := withNotes(uploadLimit, note)
	var a *archive.Archive
	var err error
	start := time.Now()
	grew := heapPeak(func() { a, err = archive.ParseWithin(data, uploadLimit) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d MB valid archive of %d notes parsed in %s; heap grew at most %d MB", len(data)>>20, len(a.Notes),
		time.Since(start).Round(time.Millisecond), grew>>20)
	if grew > memoryBound {
		t.Errorf("parsing the %d MB file grew the heap by %d MB, want at most %d MB", len(data)>>20, grew>>20, memoryBound>>20)
	}
}

// TestProblemsStopAtTheFirstHundred checks that any archive's problems are counted as the first
// hundred and more, here links that resolve to nothing (found after the shape is checked).
func TestProblemsStopAtTheFirstHundred(t *testing.T) {
	note := `{"ref":"n%d","visit":"v-missing","author":"lead@demo.test","source":"src1","role":null,"date":"2024-01-10",` +
		`"created_at":"2024-01-10T10:00:00Z","text":"x","judgement":"neutral","good_practice":false,"family_words":false,` +
		`"action_areas":[],"lines":[],"themes":[]}`
	_, err := archive.Parse(withNotes(200<<10, note))
	var inv *archive.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("want *archive.Invalid, got %v", err)
	}
	if len(inv.Problems) != archive.MaxProblems || !inv.More {
		t.Fatalf("%d problems, more: %v; want %d and more", len(inv.Problems), inv.More, archive.MaxProblems)
	}
	if got := inv.Problems[99].String(); got != `notes[99].visit: no visit with ref "v-missing"` {
		t.Errorf("problem 100: %q", got)
	}
	if !strings.Contains(err.Error(), "more than 100 problems") {
		t.Errorf("error %q", err)
	}
}

// TestAListOfMillionsAtTheLimitStaysWithinBounds: files that are nothing but short distinct
// themes, each one valid. At the upload limit (3 million themes) the file holds too many values
// and is refused before it is read; just under the number of values allowed it is read whole,
// the most a value can cost, and still within the bound.
func TestAListOfMillionsAtTheLimitStaysWithinBounds(t *testing.T) {
	themes := func(size, count int) []byte {
		var b bytes.Buffer
		before, after, _ := strings.Cut(validRicher, `"themes": ["fathers"]`)
		b.WriteString(before + `"themes": [`)
		for i := 0; b.Len() < size-len(after)-16 && i < count; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%x"`, i)
		}
		b.WriteString("]" + after)
		return b.Bytes()
	}
	for _, c := range []struct {
		name  string
		data  []byte
		valid bool
	}{
		{"at the upload limit", themes(uploadLimit, uploadLimit), false},
		{"just under the values allowed", themes(uploadLimit, uploadLimit/archive.ValueBytes-100), true},
	} {
		var err error
		start := time.Now()
		grew := heapPeak(func() { _, err = archive.ParseWithin(c.data, uploadLimit) })
		t.Logf("%s: %d MB of themes checked in %s (error: %v); heap grew at most %d MB", c.name, len(c.data)>>20,
			time.Since(start).Round(time.Millisecond), err, grew>>20)
		if (err == nil) != c.valid {
			t.Errorf("%s: error %v, want valid: %v", c.name, err, c.valid)
		}
		if grew > memoryBound {
			t.Errorf("%s: the %d MB file grew the heap by %d MB, want at most %d MB", c.name, len(c.data)>>20, grew>>20, memoryBound>>20)
		}
	}
}

// TestOneEntryOfManyBadValuesStaysWithinBounds: the schema validator decodes and checks one entry
// at a time and lists every problem in it, so an entry is the unit of cost. A note whose themes
// are 59,000 numbers (each a problem) is checked within the bound, its first hundred problems
// listed; a note of more values than an entry may hold is refused unchecked, saying so.
func TestOneEntryOfManyBadValuesStaysWithinBounds(t *testing.T) {
	note := func(n int) string {
		return `{"ref":"n%d","visit":"v1","author":"lead@demo.test","source":"src1","role":null,"date":"2024-01-10",` +
			`"created_at":"2024-01-10T10:00:00Z","text":"x","judgement":"neutral","good_practice":false,"family_words":false,` +
			`"action_areas":[],"lines":[],"themes":[` + strings.TrimSuffix(strings.Repeat("0,", n), ",") + `]}`
	}
	for _, c := range []struct {
		name, note, first string
	}{
		{"59,000 bad themes", note(59_000), "notes[0].themes[0]: must be a string"},
		{"70,000 values", note(70_000), "notes[0]: holds more than 60000 values"},
	} {
		data := withNotes(len(c.note)+len(validRicher)+4096, c.note)
		var err error
		grew := heapPeak(func() { _, err = archive.ParseWithin(data, uploadLimit) })
		t.Logf("%s: %d KB checked; heap grew at most %d MB", c.name, len(data)>>10, grew>>20)
		var inv *archive.Invalid
		if !errors.As(err, &inv) {
			t.Fatalf("%s: want *archive.Invalid, got %v", c.name, err)
		}
		if !strings.Contains(inv.Problems[0].String(), c.first) {
			t.Errorf("%s: first problem %q, want it to say %q", c.name, inv.Problems[0], c.first)
		}
		if len(inv.Problems) > archive.MaxProblems {
			t.Errorf("%s: %d problems listed", c.name, len(inv.Problems))
		}
		if grew > memoryBound {
			t.Errorf("%s: the file grew the heap by %d MB, want at most %d MB", c.name, grew>>20, memoryBound>>20)
		}
	}
}
