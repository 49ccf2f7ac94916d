// Package mail sends the service's email: through SMTP when SMTP_URL is set, otherwise into the
// development mailbox (a table read by /dev/mail) so that every flow works locally.
package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Body    string
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

// SMTP delivers through a relay: smtp:// uses STARTTLS when offered, smtps:// implicit TLS.
type SMTP struct {
	URL  *url.URL
	From string
}

// Send delivers m.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	host := s.URL.Hostname()
	port := s.URL.Port()
	if port == "" {
		port = map[string]string{"smtps": "465"}[s.URL.Scheme]
		if port == "" {
			port = "587"
		}
	}
	addr := net.JoinHostPort(host, port)
	d := net.Dialer{Timeout: 10 * time.Second}
	var conn net.Conn
	var err error
	if s.URL.Scheme == "smtps" {
		conn, err = tls.DialWithDialer(&d, "tcp", addr, &tls.Config{ServerName: host})
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("mail: dial %s: %w", addr, err)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: smtp hello: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && s.URL.Scheme == "smtp" {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return fmt.Errorf("mail: starttls: %w", err)
		}
	}
	if s.URL.User != nil {
		pw, _ := s.URL.User.Password()
		if err := c.Auth(smtp.PlainAuth("", s.URL.User.Username(), pw, host)); err != nil {
			return fmt.Errorf("mail: auth: %w", err)
		}
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("mail: MAIL_FROM: %w", err)
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("mail: from: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("mail: rcpt: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: data: %w", err)
	}
	if _, err := w.Write(Format(s.From, m, time.Now())); err != nil {
		return fmt.Errorf("mail: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: close data: %w", err)
	}
	return c.Quit()
}

// Format renders m as an RFC 5322 message.
func Format(from string, m Message, now time.Time) []byte {
	var b strings.Builder
	b.WriteString("From: " + from + "\r\n")
	b.WriteString("To: " + m.To + "\r\n")
	b.WriteString("Subject: " + mime.QEncoding.Encode("utf-8", m.Subject) + "\r\n")
	b.WriteString("Date: " + now.Format(time.RFC1123Z) + "\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	return []byte(b.String())
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
