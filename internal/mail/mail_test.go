package mail

import (
	"bufio"
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
)

// fakeSMTP accepts one message on a loopback port and hands back what it was told. It speaks just
// enough SMTP for net/smtp: no TLS, no auth.
func fakeSMTP(t *testing.T) (addr string, got chan map[string]string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan map[string]string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		say := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
		say("220 fake ESMTP")
		m := map[string]string{}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.TrimSpace(line))
			switch {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				say("250 fake")
			case strings.HasPrefix(cmd, "MAIL FROM:"):
				m["from"] = strings.TrimSpace(line[10:])
				say("250 ok")
			case strings.HasPrefix(cmd, "RCPT TO:"):
				m["to"] = strings.TrimSpace(line[8:])
				say("250 ok")
			case cmd == "DATA":
				say("354 go on")
				var b strings.Builder
				for {
					l, err := r.ReadString('\n')
					if err != nil || l == ".\r\n" {
						break
					}
					b.WriteString(l)
				}
				m["data"] = b.String()
				say("250 queued")
			case cmd == "QUIT":
				say("221 bye")
				got <- m
				return
			default:
				say("250 ok")
			}
		}
	}()
	return ln.Addr().String(), got
}

func TestSMTPSendsAMessage(t *testing.T) {
	addr, got := fakeSMTP(t)
	s, err := New("smtp://"+addr, "Thematic <no-reply@thematic.test>", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*SMTP); !ok {
		t.Fatalf("SMTP_URL set but sender is %T", s)
	}
	err = s.Send(context.Background(), Message{To: "lead@demo.test", Subject: "Reset your password – thematic",
		Body: "Use this link:\nhttp://localhost/password/reset/abc"})
	if err != nil {
		t.Fatal(err)
	}
	m := <-got
	if m["from"] != "<no-reply@thematic.test>" || m["to"] != "<lead@demo.test>" {
		t.Fatalf("envelope: %v", m)
	}
	for _, want := range []string{"Subject: =?UTF-8?q?Reset_your_password_=E2=80=93_thematic?=", "To: <lead@demo.test>",
		"Content-Type: text/plain; charset=UTF-8", "Message-ID: <", "Date: ", "Use this link:\r\nhttp://localhost/password/reset/abc"} {
		if !strings.Contains(m["data"], want) {
			t.Errorf("message lacks %q:\n%s", want, m["data"])
		}
	}
}

func TestNewWithoutSMTPUsesTheMailbox(t *testing.T) {
	s, err := New("", "x <x@y.test>", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(Mailbox); !ok {
		t.Fatalf("no SMTP_URL but sender is %T", s)
	}
}

func TestFormatHeaders(t *testing.T) {
	long := strings.Repeat("word ", 60) + "https://example.test/" + strings.Repeat("x", 120)
	raw, err := Format("a <a@b.test>", Message{To: "c@d.test", Subject: "Hello – there", Body: "x\ny\n" + long},
		time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	b := string(raw)
	for _, want := range []string{"From: \"a\" <a@b.test>\r\n", "To: <c@d.test>\r\n", "Date: Mon, 23 Nov 2026 09:00:00 +0000\r\n",
		"Message-ID: <", "MIME-Version: 1.0\r\n", "Content-Type: text/plain; charset=UTF-8\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n"} {
		if !strings.Contains(b, want) {
			t.Errorf("message lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(b, "Hello – there") {
		t.Errorf("subject not encoded:\n%s", b)
	}
	for _, line := range strings.Split(b, "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78 characters: %q", line)
		}
	}
	m, err := netmail.ReadMessage(strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); subj != "Hello – there" {
		t.Errorf("subject decodes to %q", subj)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != "x\ny\n"+long {
		t.Errorf("body decodes to %q", got)
	}
}
