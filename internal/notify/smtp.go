package notify

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// SMTPNotifier sends email over SMTP (net/smtp). URL is
//
//	smtp://user:password@host:587?from=souq%20<orders@souq.example>
//
// smtp:// upgrades with STARTTLS when the server offers it (and then
// authenticates); smtps:// speaks TLS from the start (port 465). Without a
// user, no AUTH. net/smtp refuses PLAIN auth over a clear connection except
// to localhost, so credentials never travel in clear.
type SMTPNotifier struct {
	addr, host string
	implicit   bool
	auth       smtp.Auth
	from       *mail.Address
	tls        *tls.Config
	timeout    time.Duration
	now        func() time.Time
}

// NewSMTP checks the URL. tlsConfig may be nil (the system's roots).
func NewSMTP(rawURL string, tlsConfig *tls.Config) (*SMTPNotifier, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("notify: SMTP URL: want smtp://user:password@host:587?from=address")
	}
	from, err := mail.ParseAddress(u.Query().Get("from"))
	if err != nil {
		return nil, fmt.Errorf("notify: SMTP URL: from=: %w", err)
	}
	n := &SMTPNotifier{host: u.Hostname(), implicit: u.Scheme == "smtps", from: from, timeout: 30 * time.Second, now: time.Now}
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "465", false: "587"}[n.implicit]
	}
	n.addr = net.JoinHostPort(n.host, port)
	if tlsConfig == nil {
		tlsConfig = &tls.Config{}
	}
	n.tls = tlsConfig.Clone()
	if n.tls.ServerName == "" {
		n.tls.ServerName = n.host
	}
	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		n.auth = smtp.PlainAuth("", user, pass, n.host)
	}
	return n, nil
}

func (*SMTPNotifier) Channel() Channel { return Email }

// Send implements Notifier: one connection per message (notifications are
// few; a pool would only hold idle connections the server drops).
func (n *SMTPNotifier) Send(ctx context.Context, m Message) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("%w: email: recipient %q: %v", ErrRejected, m.To, err)
	}
	deadline := n.now().Add(n.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	d := net.Dialer{Deadline: deadline}
	var conn net.Conn
	if n.implicit {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: n.tls}).DialContext(ctx, "tcp", n.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", n.addr)
	}
	if err != nil {
		return fmt.Errorf("notify: email: %w", err)
	}
	// The deadline bounds the whole conversation; cancelling ctx cuts it.
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c, err := smtp.NewClient(conn, n.host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("notify: email: %w", err)
	}
	defer c.Close()
	if err := n.converse(c, to, m); err != nil {
		return classifySMTP(err)
	}
	return nil
}

func (n *SMTPNotifier) converse(c *smtp.Client, to *mail.Address, m Message) error {
	if !n.implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(n.tls); err != nil {
				return err
			}
		}
	}
	if n.auth != nil {
		if err := c.Auth(n.auth); err != nil {
			return err
		}
	}
	if err := c.Mail(n.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to.Address); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(n.compose(to, m)); err != nil {
		return err
	}
	if err := w.Close(); err != nil { // the server's 250 after the dot: acknowledged
		return err
	}
	return c.Quit()
}

// compose writes a UTF-8 text message; the body in base64 so Arabic passes
// any relay untouched, the subject as an RFC 2047 encoded word.
func (n *SMTPNotifier) compose(to *mail.Address, m Message) []byte {
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", n.from.String())
	h("To", to.String())
	h("Subject", mime.BEncoding.Encode("utf-8", m.Subject))
	h("Date", n.now().UTC().Format(time.RFC1123Z))
	if m.Key != "" {
		h("Message-ID", "<"+strings.NewReplacer(":", ".", "/", ".").Replace(m.Key)+"@"+n.from.Address[strings.LastIndexByte(n.from.Address, '@')+1:]+">")
	}
	h("MIME-Version", "1.0")
	h("Content-Type", `text/plain; charset="utf-8"`)
	if m.Locale == Arabic {
		h("Content-Language", "ar")
	}
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(m.Body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}

// classifySMTP: a 5xx reply is permanent (ErrRejected); 4xx replies and
// broken connections are worth retrying.
func classifySMTP(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return fmt.Errorf("%w: email: %v", ErrRejected, err)
	}
	return fmt.Errorf("notify: email: %w", err)
}
