package server_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"thematic/internal/config"
	"thematic/internal/db"
	"thematic/internal/mail"
	"thematic/internal/testenv"
)

// blockingSMTP is an SMTP server that accepts a connection and says nothing until released; then
// it takes messages like a relay and hands each one's recipient and data to got.
type blockingSMTP struct {
	addr     string
	accepted chan struct{} // a client connected (it is waiting for the greeting)
	release  chan struct{}
	got      chan [2]string // recipient, data
}

func newBlockingSMTP(t *testing.T) *blockingSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	b := &blockingSMTP{addr: ln.Addr().String(), accepted: make(chan struct{}, 16), release: make(chan struct{}),
		got: make(chan [2]string, 16)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go b.serve(c)
		}
	}()
	return b
}

func (b *blockingSMTP) serve(c net.Conn) {
	defer c.Close()
	b.accepted <- struct{}{}
	<-b.release
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	say := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
	say("220 blocking ESMTP")
	var rcpt string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 blocking")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			rcpt = strings.Trim(strings.TrimSpace(line[8:]), "<>")
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var d strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
				d.WriteString(l)
			}
			b.got <- [2]string{rcpt, d.String()}
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// TestMailIsQueuedAndSentAfterTheCommit is the mail outbox's promise: a command that sends mail
// commits without waiting for the SMTP server. While the server accepts the connection and says
// nothing, an invitation is made: the request returns at once, and the invitation and its audit
// entries are visible to another connection while the mail is still waiting to be delivered. Once
// the server answers, the message goes, once, and the audit log says it was sent; neither the log
// nor the job left in River's table holds the body with its token.
func TestMailIsQueuedAndSentAfterTheCommit(t *testing.T) {
	t.Parallel()
	smtp := newBlockingSMTP(t)
	e := newEnv(t, func(c *config.Config) { c.SMTPURL = "smtp://" + smtp.addr })
	ctx := context.Background()
	admin := e.signedIn("admin@demo.test")

	start := time.Now()
	r := admin.post("/admin/users/invite", url.Values{"name": {"Otto Outbox"}, "email": {"otto.outbox@demo.test"}, "role": {"member"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d\n%s", r.Status, r.Body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the invitation took %v: it waited for the SMTP server", d)
	}
	select {
	case <-smtp.accepted: // the worker is connected, waiting for the greeting
	case <-time.After(15 * time.Second):
		t.Fatal("the mail worker never connected to the SMTP server")
	}
	// Another connection sees what the request committed, while the SMTP server still blocks.
	var invitations, created, queued, sent int
	err := e.db.Super.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM invitations WHERE email = 'otto.outbox@demo.test' AND revoked_at IS NULL),
		(SELECT count(*) FROM audit_log WHERE action = 'invitation.created' AND after->>'email' = 'otto.outbox@demo.test'),
		(SELECT count(*) FROM audit_log WHERE action = 'mail.queued' AND after->>'to' = 'otto.outbox@demo.test'
			AND after->>'kind' = 'invitation'),
		(SELECT count(*) FROM audit_log WHERE action = 'mail.sent' AND after->>'to' = 'otto.outbox@demo.test')`).
		Scan(&invitations, &created, &queued, &sent)
	if err != nil {
		t.Fatal(err)
	}
	if invitations != 1 || created != 1 || queued != 1 || sent != 0 {
		t.Fatalf("while the SMTP server blocks: %d invitations, %d invitation.created, %d mail.queued, %d mail.sent; want 1, 1, 1, 0",
			invitations, created, queued, sent)
	}

	close(smtp.release)
	var msg [2]string
	select {
	case msg = <-smtp.got:
	case <-time.After(30 * time.Second):
		t.Fatal("the mail was not delivered once the SMTP server answered")
	}
	if msg[0] != "otto.outbox@demo.test" || !strings.Contains(msg[1], "/invitations/") || !strings.Contains(msg[1], "Message-ID: <") {
		t.Errorf("delivered to %q:\n%s", msg[0], msg[1])
	}
	deadline := time.Now().Add(15 * time.Second)
	for sent == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		if err := e.db.Super.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'mail.sent'
			AND after->>'to' = 'otto.outbox@demo.test'`).Scan(&sent); err != nil {
			t.Fatal(err)
		}
	}
	if sent != 1 {
		t.Fatalf("mail.sent entries: %d, want 1", sent)
	}
	select {
	case m := <-smtp.got:
		t.Errorf("a second message went to %q", m[0])
	case <-time.After(300 * time.Millisecond):
	}
	var leaks int
	if err := e.db.Super.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM audit_log WHERE action LIKE 'mail.%' AND (after::text LIKE '%/invitations/%' OR after ? 'body'))
		+ (SELECT count(*) FROM river_job WHERE kind = 'mail' AND args ? 'body')`).Scan(&leaks); err != nil {
		t.Fatal(err)
	}
	if leaks != 0 {
		t.Errorf("%d audit entries or finished jobs still hold a message body", leaks)
	}
}

// failingSender refuses every message, counting them.
type failingSender struct{ n int }

func (f *failingSender) Send(context.Context, mail.Message) error {
	f.n++
	return errors.New("relay says no")
}

// TestMailFailedAfterTheLastAttempt: a failed delivery is left to River to retry, recording
// nothing; the last attempt that fails records "mail.failed" (address, subject, kind, error; not
// the body) and removes the body from the job; a job whose body is gone sends nothing again.
func TestMailFailedAfterTheLastAttempt(t *testing.T) {
	t.Parallel()
	d := testenv.DemoDB(t)
	ctx := context.Background()
	var tenantID string
	if err := d.Super.QueryRow(ctx, `SELECT id::text FROM tenants ORDER BY name LIMIT 1`).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	const token = "tok-SECRET-link"
	var jobID int64
	err := db.InTx(ctx, d.App, db.Scope{TenantID: tenantID}, func(tx pgx.Tx) error {
		if err := mail.Enqueue(ctx, tx, tenantID, mail.Message{To: "fay.failed@demo.test", Subject: "Reset", Kind: "password_reset",
			Body: "Open /password/reset/" + token}); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT max(id) FROM river_job WHERE kind = 'mail'`).Scan(&jobID)
	})
	if err != nil {
		t.Fatal(err)
	}
	sender := &failingSender{}
	w := &mail.Worker{Pool: d.App, Sender: sender}
	job := func(attempt int, body string) *river.Job[mail.Args] {
		return &river.Job[mail.Args]{JobRow: &rivertype.JobRow{ID: jobID, Attempt: attempt, MaxAttempts: mail.MaxAttempts},
			Args: mail.Args{TenantID: tenantID, MailKind: "password_reset", To: "fay.failed@demo.test", Subject: "Reset", Body: body}}
	}
	entries := func(action string) (n int, after string) {
		t.Helper()
		if err := d.Super.QueryRow(ctx, `SELECT count(*), coalesce(max(after::text), '') FROM audit_log WHERE action = $1
			AND object_id = $2`, action, strconv.FormatInt(jobID, 10)).Scan(&n, &after); err != nil {
			t.Fatal(err)
		}
		return n, after
	}
	if err := w.Work(ctx, job(1, "Open /password/reset/"+token)); err == nil {
		t.Fatal("a failed send was not returned for River to retry")
	}
	if n, _ := entries("mail.failed"); n != 0 {
		t.Fatal("mail.failed recorded before the last attempt")
	}
	if err := w.Work(ctx, job(mail.MaxAttempts, "Open /password/reset/"+token)); err == nil {
		t.Fatal("the last failed attempt was not returned")
	}
	n, after := entries("mail.failed")
	if n != 1 || !strings.Contains(after, "relay says no") || !strings.Contains(after, "fay.failed@demo.test") || strings.Contains(after, token) {
		t.Errorf("mail.failed entries: %d %s", n, after)
	}
	if n, _ := entries("mail.queued"); n != 1 {
		t.Errorf("mail.queued entries: %d", n)
	}
	var hasBody bool
	if err := d.Super.QueryRow(ctx, `SELECT args ? 'body' FROM river_job WHERE id = $1`, jobID).Scan(&hasBody); err != nil {
		t.Fatal(err)
	}
	if hasBody {
		t.Error("the given-up job still holds the body")
	}
	if err := w.Work(ctx, job(1, "")); err != nil || sender.n != 2 {
		t.Errorf("a job without a body: err %v, %d sends (want 2)", err, sender.n)
	}
}
