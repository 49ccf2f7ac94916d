package server_test

import (
	"bufio"
	"bytes"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"thematic/internal/config"
)

const refusedText = "characters the service cannot accept"

// TestNulAndInvalidUTF8AreRefused checks that text PostgreSQL cannot store (a NUL, bytes that
// are not UTF-8) gets a 400 page wherever it comes in, and that ordinary Unicode still passes.
func TestNulAndInvalidUTF8AreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newNoteFixture(t, e)
	admin := e.signedIn("admin@demo.test")
	lead := e.signedIn("lead@demo.test")
	inspector := e.signedIn("inspector@demo.test")
	refused := func(what string, r resp) {
		t.Helper()
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, refusedText) || !strings.Contains(r.Body, "govuk-") {
			t.Errorf("%s: %d, want the 400 page", what, r.Status)
		}
	}
	refused("audit log action NUL", admin.get("/admin/audit?action=%00"))
	refused("audit log action not UTF-8", admin.get("/admin/audit?action=%ff"))
	refused("area picker NUL", lead.get("/reviews/"+f.reviewID+"/areas/add?q=%00"))
	refused("path NUL", lead.get("/reviews/%00"))
	refused("sign-in email NUL", e.client().post("/sign-in", url.Values{"email": {"lead\x00@demo.test"}, "password": {"x"}}))
	refused("group title NUL", lead.post("/reviews/"+f.reviewID+"/enquiry/groups", url.Values{"title": {"Hubs\x00"}}))
	refused("field name not UTF-8", lead.post("/reviews/"+f.reviewID+"/enquiry/groups", url.Values{"title\xff": {"Hubs"}}))

	form := f.ntForm(t, inspector)
	form.Set("body", "Parents said\x00 the hub was near.")
	refused("note body NUL", inspector.post(f.postPath(), form))
	refused("note body NUL, multipart", postMultipart(t, inspector, f.postPath(), form))
	if n := f.notes(); n != 0 {
		t.Fatalf("%d notes saved", n)
	}

	// Welsh and emoji are ordinary text.
	if r := admin.get("/admin/audit?action=" + url.QueryEscape("Ŵyn 🙂")); r.Status != http.StatusOK {
		t.Errorf("audit log with Welsh and emoji: %d", r.Status)
	}
	if r := lead.get("/reviews/" + f.reviewID + "/areas/add?q=" + url.QueryEscape("Ynys Môn ŵ")); r.Status != http.StatusOK {
		t.Errorf("area picker with Welsh: %d", r.Status)
	}
	form.Set("body", "Dywedodd rhieni fod y ganolfan yn agos ŵ ŷ 🙂")
	if r := inspector.post(f.postPath(), form); r.Status != http.StatusSeeOther {
		t.Errorf("note in Welsh with an emoji: %d\n%s", r.Status, r.Body)
	}
}

// postMultipart sends form as multipart/form-data with the session's CSRF token.
func postMultipart(t *testing.T, c *client, path string, form url.Values) resp {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	_ = mw.WriteField("csrf_token", c.csrf())
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.e.ts.URL+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// TestSlowBodyTimesOutWith408 trickles a form a byte at a time past the server's read timeout:
// the answer is 408, not 500.
func TestSlowBodyTimesOutWith408(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.ReadTimeout = 2 * time.Second })
	c := e.client()
	token := c.csrf()
	var cookies []string
	u, _ := url.Parse(e.ts.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		cookies = append(cookies, ck.String())
	}
	body := url.Values{"csrf_token": {token}, "email": {"lead@demo.test"}, "password": {"a slow password"}}.Encode()

	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /sign-in HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Cookie: " + strings.Join(cookies, "; ") + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	// One byte a second, in the background: the server answers before the body is all sent.
	go func() {
		for i := 0; i < len(body); i++ {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return
			}
			time.Sleep(time.Second)
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(page), "took too long") {
		t.Fatalf("slow body: %d %v\n%s", res.StatusCode, res.Header, page)
	}
}
