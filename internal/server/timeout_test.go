package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"thematic/internal/config"
	"thematic/internal/demo"
)

func TestAbsoluteTimeoutEndsAnActiveSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) {
		c.Lifetime = 3 * time.Second
		c.IdleTimeout = 3 * time.Second
	})
	c := e.signedIn("lead@demo.test")
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if r := c.get("/"); r.Status != http.StatusOK {
			t.Fatalf("active session ended early: %d", r.Status)
		}
		time.Sleep(400 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	if r := c.get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in") {
		t.Fatalf("session outlived its absolute lifetime: %d %s", r.Status, r.Location)
	}
}

func TestIdleTimeoutEndsAQuietSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.IdleTimeout = 2 * time.Second })
	c := e.signedIn("lead@demo.test")
	time.Sleep(2500 * time.Millisecond)
	if r := c.get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("idle session still alive: %d", r.Status)
	}
}

func TestExtendSessionWithoutJavaScript(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("lead@demo.test")
	r := c.post("/session/extend", nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("extend: %d", r.Status)
	}
	anon := e.client()
	if r := anon.post("/session/extend", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("extend without a session: %d", r.Status)
	}
}

func TestSignInThrottledPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	// Many accounts guessed from one address: after 50 failures the address must wait, even for an
	// account it has not tried yet and even with the right password.
	for i := 0; i < 50; i++ {
		c.post("/sign-in", url.Values{"email": {"guess" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@demo.test"}, "password": {"guess"}})
	}
	r := c.post("/sign-in", url.Values{"email": {"observer@demo.test"}, "password": {demo.Password}})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("51st attempt from one address: %d", r.Status)
	}
	if e.auditCount("auth.sign_in_throttled") == 0 {
		t.Error("throttling not audited")
	}
}
