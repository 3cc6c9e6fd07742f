package live

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Message is one live update.
type Message struct {
	ID      uint64          `json:"id"` // the event's global position
	Channel string          `json:"channel"`
	Type    string          `json:"type"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Fanout is the port.
type Fanout interface {
	// Publish records each message in its channel's history and hands it to
	// the channel's subscribers, in every process sharing the fan-out.
	Publish(ctx context.Context, msgs ...Message) error
	// Subscribe follows a channel until ctx ends, the subscription is
	// closed or the fan-out closes. With after > 0, the channel's kept
	// messages after that ID come first, in Backlog.
	Subscribe(ctx context.Context, channel string, after uint64) (*Subscription, error)
	// Close ends every subscription (ErrClosed) and refuses new ones, so
	// that a server can drain its streams; Publish keeps working for the
	// projector still running.
	Close() error
}

// Why a subscription ended (Subscription.Err); match with errors.Is.
var (
	ErrClosed      = errors.New("live: fan-out closed")
	ErrSlow        = errors.New("live: subscriber too slow, dropped")
	ErrInterrupted = errors.New("live: the fan-out's connection was interrupted; messages may be lost")
	ErrInvalid     = errors.New("live: invalid channel or message")
)

// Options are the common settings of both implementations.
type Options struct {
	// Buffer is how many messages a subscriber may lag before it is
	// dropped (ErrSlow); default 64.
	Buffer int
	// History is how many messages each channel keeps for resuming;
	// default 256.
	History int
	// Keep is how long a channel's history outlives its last message;
	// default one hour.
	Keep time.Duration
}

// WithDefaults fills the zero settings.
func (o Options) WithDefaults() Options {
	if o.Buffer <= 0 {
		o.Buffer = 64
	}
	if o.History <= 0 {
		o.History = 256
	}
	if o.Keep <= 0 {
		o.Keep = time.Hour
	}
	return o
}

// Valid reports whether a channel name is usable: 1 to 200 bytes, no
// control characters, no spaces or pattern characters.
func Valid(channel string) bool {
	if channel == "" || len(channel) > 200 {
		return false
	}
	for _, r := range channel {
		if r <= ' ' || r == 0x7f || r == '*' || r == '?' || r == '[' || r == ']' || r == '\\' || r == '{' || r == '}' {
			return false
		}
	}
	return true
}

// The channels souq publishes: one per order, one per vendor.
func OrderChannel(id string) string  { return "order:" + id }
func VendorChannel(id string) string { return "vendor:" + id }
