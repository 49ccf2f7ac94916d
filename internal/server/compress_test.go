package server_test

import (
	"compress/gzip"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Pages go out gzipped to clients that accept it, and the CSRF token in them is masked afresh
// each time: two pages never show the same token, each is accepted, and the session's own token
// (unmasked) or a changed one is not.
func TestPagesCompressedWithMaskedCSRFTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn("lead@demo.test")

	req, _ := http.NewRequest("GET", e.ts.URL+"/reviews", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Accept-Encoding") {
		t.Fatalf("page not gzipped: %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || !strings.Contains(string(body), "</html>") {
		t.Fatalf("gzipped page: %v\n%.200s", err, body)
	}

	first, second := c.csrf(), c.csrf()
	if first == second {
		t.Fatalf("the same token on two pages: %s", first)
	}
	for _, tok := range []string{first, second} {
		if r := c.post("/session/extend", url.Values{"csrf_token": {tok}}); r.Status != http.StatusSeeOther {
			t.Errorf("masked token refused: %d", r.Status)
		}
	}
	raw, _ := base64.RawURLEncoding.DecodeString(first)
	changed := append([]byte(nil), raw...)
	changed[len(changed)-1] ^= 1
	for name, tok := range map[string]string{
		"changed":    base64.RawURLEncoding.EncodeToString(changed),
		"half":       base64.RawURLEncoding.EncodeToString(raw[len(raw)/2:]),
		"empty":      "",
		"not base64": "!!!",
	} {
		if r := c.postRaw("/session/extend", url.Values{"csrf_token": {tok}}); r.Status != http.StatusForbidden {
			t.Errorf("%s token accepted: %d", name, r.Status)
		}
	}
}
