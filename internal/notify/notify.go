package notify

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// Channel is how a message travels. Its value keys the sent-log: never
// change one.
type Channel string

const (
	Log      Channel = "log"
	Email    Channel = "email"
	SMS      Channel = "sms"
	WhatsApp Channel = "whatsapp"
)

// Message is one rendered notification to one address of its channel (an
// email address, or a phone number in E.164 form).
type Message struct {
	To      string
	Subject string // email only
	Body    string
	Locale  Locale
	// Key identifies the message for the provider's own deduplication where
	// it has one (the event ID and channel).
	Key string
	// UserID is the customer's ID: what a log line names them by, never
	// their address.
	UserID string
}

// Notifier sends messages over one channel. Send returns nil only once the
// provider acknowledged the message.
type Notifier interface {
	Channel() Channel
	Send(ctx context.Context, m Message) error
}

// ErrRejected: the provider refused the message for good (a bad address,
// bad credentials, a malformed request); sending it again will not help.
// Any other error from Send is an outage worth retrying.
var ErrRejected = errors.New("notify: rejected by the provider")

// LogNotifier writes each message as a log line: the embedded default, so
// a demo shows what customers would receive. Logs are copied, shipped and
// kept beyond the reach of souq forget, so the line names the customer by
// ID and a masked address, and leaves out the body, which greets them by
// name.
type LogNotifier struct{ Logger *slog.Logger }

func (LogNotifier) Channel() Channel { return Log }

func (n LogNotifier) Send(ctx context.Context, m Message) error {
	l := n.Logger
	if l == nil {
		l = slog.Default()
	}
	l.InfoContext(ctx, "notification", slog.String("user", m.UserID), slog.String("to", MaskAddress(m.To)),
		slog.String("locale", string(m.Locale)), slog.String("subject", m.Subject), slog.String("key", m.Key))
	return nil
}

// MaskAddress keeps an email address's first character and its domain
// (l***@example.com), enough to tell which inbox without naming it; any
// other address (a phone number) keeps its last two digits.
func MaskAddress(addr string) string {
	local, domain, isEmail := strings.Cut(addr, "@")
	if !isEmail {
		r := []rune(addr)
		if len(r) <= 4 {
			return "***"
		}
		return "***" + string(r[len(r)-2:])
	}
	first, _ := utf8.DecodeRuneInString(local)
	if local == "" || first == utf8.RuneError || strings.ContainsRune(domain, '@') {
		return "***@" + lastDomain(addr)
	}
	return string(first) + "***@" + domain
}

// lastDomain is what follows the last '@' of a malformed address.
func lastDomain(addr string) string {
	return addr[strings.LastIndexByte(addr, '@')+1:]
}
