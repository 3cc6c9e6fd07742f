package kafka

import (
	"context"
	"fmt"
	"strconv"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/souq-market/souq/integration"
)

// Event reads an integration event back from its Kafka message. Position
// and revision are 0 when their headers are absent or malformed.
func Event(m kafkago.Message) integration.Event {
	e := integration.Event{Type: m.Topic, Key: string(m.Key), Payload: m.Value, RecordedAt: m.Time}
	for _, h := range m.Headers {
		v := string(h.Value)
		switch h.Key {
		case integration.HeaderEventID:
			e.ID = v
		case integration.HeaderType:
			e.Type = v
		case integration.HeaderSchemaVersion:
			e.SchemaVersion, _ = strconv.Atoi(v)
		case integration.HeaderPosition:
			e.Position, _ = strconv.ParseUint(v, 10, 64)
		case integration.HeaderRevision:
			e.Revision, _ = strconv.ParseUint(v, 10, 64)
		}
	}
	return e
}

// Consumer hands each integration event to a handler once: a message whose
// event ID the window already holds is skipped (and committed). An ID is
// remembered only after its handler succeeded, so a failed event comes back.
type Consumer struct {
	r   *kafkago.Reader
	win *integration.Window
	// group: commit offsets (the reader has a GroupID).
	group bool
}

// NewConsumer wraps a kafka-go reader; window bounds the duplicate memory
// (nil: integration.NewWindow(integration.DefaultWindow)).
func NewConsumer(r *kafkago.Reader, window *integration.Window) *Consumer {
	if window == nil {
		window = integration.NewWindow(0)
	}
	return &Consumer{r: r, win: window, group: r.Config().GroupID != ""}
}

// Run reads until ctx ends or handle fails, and returns that error.
func (c *Consumer) Run(ctx context.Context, handle func(context.Context, integration.Event) error) error {
	for {
		m, err := c.r.FetchMessage(ctx)
		if err != nil {
			return err
		}
		e := Event(m)
		if !c.win.Seen(e.ID) {
			if err := handle(ctx, e); err != nil {
				return fmt.Errorf("kafka: handle %s %s: %w", e.Type, e.ID, err)
			}
			c.win.Add(e.ID)
		}
		if c.group {
			if err := c.r.CommitMessages(ctx, m); err != nil {
				return err
			}
		}
	}
}
