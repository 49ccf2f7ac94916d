package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"thematic/internal/auth"
	"thematic/internal/demo"
)

// postAtOnce sends form to path from each client in clients at the same instant and returns the
// statuses. It reports errors with t.Error, as it runs the requests off the test's goroutine.
func postAtOnce(t *testing.T, clients []*client, path string, forms []url.Values) []int {
	t.Helper()
	statuses := make([]int, len(clients))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range clients {
		req, err := http.NewRequest("POST", c.e.ts.URL+path, strings.NewReader(forms[i].Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := c.http.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

func countStatus(statuses []int, want int) int {
	n := 0
	for _, s := range statuses {
		if s == want {
			n++
		}
	}
	return n
}

// TestSignInThrottleHoldsUnderConcurrency sends 40 wrong passwords for one account at the same
// instant, each from its own session: no more than the limit of 5 may be checked.
func TestSignInThrottleHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var clients []*client
	var forms []url.Values
	for range 40 {
		c := e.client()
		clients = append(clients, c)
		forms = append(forms, url.Values{"email": {"lead@demo.test"}, "password": {"wrong password"}, "csrf_token": {c.csrf()}})
	}
	statuses := postAtOnce(t, clients, "/sign-in", forms)
	checked := countStatus(statuses, http.StatusUnauthorized)
	if checked > 5 || checked+countStatus(statuses, http.StatusTooManyRequests) != len(statuses) {
		t.Fatalf("%d of 40 simultaneous wrong passwords were checked (limit 5): %v", checked, statuses)
	}
	if n := e.auditCount("auth.sign_in_failed"); n > 5 {
		t.Errorf("%d failed sign-ins audited, limit 5", n)
	}
	if r := e.client().post("/sign-in", url.Values{"email": {"lead@demo.test"}, "password": {demo.Password}}); r.Status != http.StatusTooManyRequests {
		t.Errorf("right password after the limit: %d", r.Status)
	}
	// A right password takes its attempt back: other accounts signing in from the same address
	// do not count towards the address's limit.
	for range 6 {
		e.signedIn("admin@demo.test")
	}
}

// TestTwoFactorThrottleHoldsUnderConcurrency sends 40 wrong codes at the same instant in one
// pending sign-in: no more than the limit of 5 may be checked.
func TestTwoFactorThrottleHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	secret, _ := setUpTwoFactor(t, e.signedIn("lead@demo.test"))
	c := e.client()
	r := c.post("/sign-in", url.Values{"email": {"lead@demo.test"}, "password": {demo.Password}})
	if r.Status != http.StatusSeeOther || r.Location != "/sign-in/two-factor" {
		t.Fatalf("password step: %d %s", r.Status, r.Location)
	}
	// A code that is wrong now and in the steps either side of now.
	wrong := "000000"
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
		if code, _ := auth.TOTPCode(secret, time.Now().Add(d)); code == wrong {
			wrong = "999999"
		}
	}
	token := c.csrf()
	var clients []*client
	var forms []url.Values
	for range 40 {
		clients = append(clients, c)
		forms = append(forms, url.Values{"code": {wrong}, "csrf_token": {token}})
	}
	statuses := postAtOnce(t, clients, "/sign-in/two-factor", forms)
	checked := countStatus(statuses, http.StatusUnauthorized)
	if checked > 5 || checked+countStatus(statuses, http.StatusTooManyRequests) != len(statuses) {
		t.Fatalf("%d of 40 simultaneous wrong codes were checked (limit 5): %v", checked, statuses)
	}
	if n := e.auditCount("auth.two_factor_failed"); n > 5 {
		t.Errorf("%d failed codes audited, limit 5", n)
	}
}
