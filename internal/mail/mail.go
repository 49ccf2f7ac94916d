// Package mail sends the service's email: through SMTP when SMTP_URL is set, otherwise into the
// development mailbox (a table read by /dev/mail) so that every flow works locally.
package mail

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	gomail "github.com/wneessen/go-mail"

	"thematic/internal/db"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Body    string
	// Kind says what the mail is for ("invitation", "password_reset", ...): the audit log records
	// it with the address and subject, never the body, which may hold a link with a token.
	Kind string
}

// Sender sends mail.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// New returns an SMTP sender when smtpURL is set, else the development mailbox.
func New(smtpURL, from string, pool *pgxpool.Pool) (Sender, error) {
	if smtpURL == "" {
		return Mailbox{Pool: pool}, nil
	}
	u, err := url.Parse(smtpURL)
	if err != nil {
		return nil, fmt.Errorf("mail: parse SMTP_URL: %w", err)
	}
	return &SMTP{URL: u, From: from}, nil
}

// SMTP delivers through a relay: smtp:// uses STARTTLS when offered, smtps:// implicit TLS. Each
// message is composed by Compose (github.com/wneessen/go-mail).
type SMTP struct {
	URL  *url.URL
	From string
}

// Send delivers m.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := Compose(s.From, m, time.Now())
	if err != nil {
		return err
	}
	host := s.URL.Hostname()
	opts := []gomail.Option{gomail.WithTimeout(30 * time.Second), gomail.WithTLSPolicy(gomail.TLSOpportunistic)}
	port := 587
	if s.URL.Scheme == "smtps" {
		port = 465
		opts = append(opts, gomail.WithSSL())
	}
	if p := s.URL.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return fmt.Errorf("mail: SMTP_URL port %q: %w", p, err)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if s.URL.User != nil {
		pw, _ := s.URL.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.URL.User.Username()),
			gomail.WithPassword(pw))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return fmt.Errorf("mail: smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send to %s: %w", m.To, err)
	}
	return nil
}

// Compose builds m as a MIME message from from: a Message-ID, a Date (now), the subject encoded
// when it is not ASCII, and the plain-text body quoted-printable, so that no line is longer than
// SMTP allows whatever the body holds.
func Compose(from string, m Message, now time.Time) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: MAIL_FROM %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: to %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageID()
	msg.SetDateWithValue(now)
	msg.SetBodyString(gomail.TypeTextPlain, strings.ReplaceAll(m.Body, "\r\n", "\n"))
	return msg, nil
}

// Format renders m as an RFC 5322 message, as Compose builds it.
func Format(from string, m Message, now time.Time) ([]byte, error) {
	msg, err := Compose(from, m, now)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("mail: format: %w", err)
	}
	return b.Bytes(), nil
}

// Mailbox keeps mail in the dev_mail table.
type Mailbox struct{ Pool *pgxpool.Pool }

// Send stores m.
func (mb Mailbox) Send(ctx context.Context, m Message) error {
	_, err := mb.Pool.Exec(ctx, `INSERT INTO dev_mail (to_address, subject, body) VALUES ($1, $2, $3)`, m.To, m.Subject, m.Body)
	if err != nil {
		return fmt.Errorf("mail: store in mailbox: %w", err)
	}
	return nil
}

// Stored is a message in the development mailbox.
type Stored struct {
	ID        int64
	To        string
	Subject   string
	Body      string
	CreatedAt time.Time
}

// Recent is List in a transaction of its own, for the development mailbox page.
func Recent(ctx context.Context, pool *pgxpool.Pool, sc db.Scope, limit int) ([]Stored, error) {
	var out []Stored
	err := db.InTx(ctx, pool, sc, func(tx pgx.Tx) (err error) {
		out, err = List(ctx, tx, limit)
		return err
	})
	return out, err
}

// List returns the newest messages to the people of q's tenant, newest first: its members and
// the addresses it invited, as row-level security shows them to the tenant. dev_mail records no
// tenant, so mail to someone who belongs to two tenants shows in both.
func List(ctx context.Context, q pgx.Tx, limit int) ([]Stored, error) {
	rows, err := q.Query(ctx, `SELECT id, to_address, subject, body, created_at FROM dev_mail
		WHERE to_address IN (SELECT email FROM users UNION SELECT email FROM invitations)
		ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("mail: list mailbox: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Stored, error) {
		var s Stored
		err := r.Scan(&s.ID, &s.To, &s.Subject, &s.Body, &s.CreatedAt)
		return s, err
	})
}
