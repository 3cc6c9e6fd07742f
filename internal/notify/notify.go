package notify

import (
	"context"
	"errors"
	"log/slog"
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
// a demo shows what customers would receive.
type LogNotifier struct{ Logger *slog.Logger }

func (LogNotifier) Channel() Channel { return Log }

func (n LogNotifier) Send(ctx context.Context, m Message) error {
	l := n.Logger
	if l == nil {
		l = slog.Default()
	}
	l.InfoContext(ctx, "notification", slog.String("to", m.To), slog.String("locale", string(m.Locale)),
		slog.String("subject", m.Subject), slog.String("body", m.Body), slog.String("key", m.Key))
	return nil
}
