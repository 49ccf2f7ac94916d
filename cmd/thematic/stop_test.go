package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"thematic/internal/db/dbtest"
	"thematic/internal/demo"
)

var stopCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// TestServeStopDuringNoteLoad: inspectors save notes as fast as the server takes them while the
// server is told to stop. Every note whose save was acknowledged (303) is in the database exactly
// once afterwards; saves after the stop are refused or fail to connect, never half-done.
func TestServeStopDuringNoteLoad(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	bg := context.Background()
	if err := demo.Seed(bg, d.Owner); err != nil {
		t.Fatal(err)
	}
	var reviewID, visitID, sourceID, start string
	if err := d.Super.QueryRow(bg, `SELECT v.review_id, v.id, v.start_date::text FROM visits v
		JOIN review_areas a ON a.id = v.area_id WHERE a.ons_code = 'E06000057'`).Scan(&reviewID, &visitID, &start); err != nil {
		t.Fatal(err)
	}
	if err := d.Super.QueryRow(bg, `SELECT id FROM evidence_sources WHERE review_id = $1 ORDER BY position LIMIT 1`, reviewID).Scan(&sourceID); err != nil {
		t.Fatal(err)
	}
	day, _ := time.Parse("2006-01-02", start)

	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, envFor(d, nil), nil, io.Discard, logs) }()
	base := "http://" + waitForAddr(t, logs)

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	token := func(path string) string {
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := stopCSRF.FindSubmatch(b)
		if m == nil {
			t.Fatalf("no CSRF token on %s", path)
		}
		return string(m[1])
	}
	res, err := c.PostForm(base+"/sign-in", url.Values{"csrf_token": {token("/sign-in")}, "email": {"inspector@demo.test"}, "password": {demo.Password}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %v %v", res, err)
	}
	res.Body.Close()
	csrf := token("/reviews/" + reviewID + "/visits/" + visitID + "/notes/new")
	post := "/reviews/" + reviewID + "/visits/" + visitID + "/notes"

	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				key := fmt.Sprintf("stop-%d-%06d-%d", w, i, time.Now().UnixNano())
				form := url.Values{"csrf_token": {csrf}, "idempotency_key": {key}, "source": {sourceID},
					"note-date-day": {fmt.Sprint(day.Day())}, "note-date-month": {fmt.Sprint(int(day.Month()))},
					"note-date-year": {fmt.Sprint(day.Year())}, "body": {"Parents said the hub was easy to reach. " + key},
					"judgement": {"strength"}, "action": {"save"}}
				res, err := c.PostForm(base+post, form)
				if err != nil {
					return // the server has stopped listening
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusSeeOther {
					mu.Lock()
					acked = append(acked, key)
					mu.Unlock()
				} else if res.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("save answered %d", res.StatusCode)
					return
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	cancel()
	wg.Wait()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if len(acked) < 10 {
		t.Fatalf("only %d saves acknowledged before the stop", len(acked))
	}
	var found int
	if err := d.Super.QueryRow(bg, `SELECT count(*) FROM evidence_notes WHERE idempotency_key = ANY($1)`, acked).Scan(&found); err != nil {
		t.Fatal(err)
	}
	var stray int
	if err := d.Super.QueryRow(bg, `SELECT count(*) FROM evidence_notes WHERE idempotency_key LIKE 'stop-%' AND NOT idempotency_key = ANY($1)`,
		acked).Scan(&stray); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d saves acknowledged before the stop, all stored; %d stored whose answer was lost in the stop", len(acked), stray)
	if found != len(acked) {
		t.Fatalf("%d of %d acknowledged notes are stored", found, len(acked))
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Fatalf("no stop in logs")
	}
}
