package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/souq-market/souq/integration"
)

// Config configures a Publisher. Brokers is required.
type Config struct {
	Brokers []string
	// Linger is how long a partition's batch waits for more messages once
	// WriteMessages has handed it all of them; small, since each Publish is
	// one synchronous call (default 1ms).
	Linger time.Duration
	// WriteTimeout bounds one produce request (default 10s).
	WriteTimeout time.Duration
	// BatchSize is the most messages of one partition in one produce
	// request (default 512). kafka-go allocates room for this many per
	// batch, so it is no "unlimited": a Publish larger than it goes out as
	// several requests, one after another per partition, still in order.
	BatchSize int
	// MaxAttempts is kafka-go's own retries of a batch before Publish fails
	// and the outbox's backoff takes over (default 3).
	MaxAttempts int
	// AutoCreateTopics lets the broker create a missing topic (off: in
	// production the topics and their partition counts are an operator's).
	AutoCreateTopics bool
	Logger           *slog.Logger
}

// Publisher writes integration events to their topics: key = aggregate ID
// (murmur2, as Java clients partition, so one aggregate's events share a
// partition and keep their order), headers = event ID, type, schema
// version, position, revision. Every Publish waits for all in-sync replicas
// to acknowledge.
type Publisher struct {
	w *kafkago.Writer
}

// NewPublisher returns a publisher; it connects on first use.
func NewPublisher(cfg Config) (*Publisher, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("kafka: no brokers")
	}
	if cfg.Linger <= 0 {
		cfg.Linger = time.Millisecond
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 512
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	w := &kafkago.Writer{
		Addr:                   kafkago.TCP(cfg.Brokers...),
		Balancer:               kafkago.Murmur2Balancer{Consistent: true},
		RequiredAcks:           kafkago.RequireAll,
		MaxAttempts:            cfg.MaxAttempts,
		WriteBackoffMin:        50 * time.Millisecond,
		WriteBackoffMax:        time.Second,
		BatchSize:              cfg.BatchSize,
		BatchBytes:             64 << 20,
		BatchTimeout:           cfg.Linger,
		WriteTimeout:           cfg.WriteTimeout,
		AllowAutoTopicCreation: cfg.AutoCreateTopics,
	}
	if cfg.Logger != nil {
		l := cfg.Logger.With("component", "kafka")
		w.ErrorLogger = kafkago.LoggerFunc(func(f string, args ...any) { l.Warn(fmt.Sprintf(f, args...)) })
	}
	return &Publisher{w: w}, nil
}

// Message is the Kafka message of an integration event.
func Message(e integration.Event) kafkago.Message {
	return kafkago.Message{
		Topic: e.Type,
		Key:   []byte(e.Key),
		Value: e.Payload,
		Headers: []kafkago.Header{
			{Key: integration.HeaderEventID, Value: []byte(e.ID)},
			{Key: integration.HeaderType, Value: []byte(e.Type)},
			{Key: integration.HeaderSchemaVersion, Value: []byte(strconv.Itoa(e.SchemaVersion))},
			{Key: integration.HeaderPosition, Value: []byte(strconv.FormatUint(e.Position, 10))},
			{Key: integration.HeaderRevision, Value: []byte(strconv.FormatUint(e.Revision, 10))},
			{Key: integration.HeaderContentType, Value: []byte("application/json")},
		},
		Time: e.RecordedAt,
	}
}

// Publish writes the events in one synchronous call and returns nil only
// when the broker acknowledged all of them. On an error some may have been
// written: the caller publishes the whole batch again (at least once).
func (p *Publisher) Publish(ctx context.Context, events []integration.Event) error {
	msgs := make([]kafkago.Message, len(events))
	for i, e := range events {
		msgs[i] = Message(e)
	}
	if err := p.w.WriteMessages(ctx, msgs...); err != nil {
		var we kafkago.WriteErrors
		if errors.As(err, &we) {
			return fmt.Errorf("kafka: %d of %d messages not acknowledged: %w", we.Count(), len(msgs), firstErr(we))
		}
		return fmt.Errorf("kafka: publish %d messages: %w", len(msgs), err)
	}
	return nil
}

func firstErr(we kafkago.WriteErrors) error {
	for _, err := range we {
		if err != nil {
			return err
		}
	}
	return nil
}

// Close flushes nothing (every Publish was synchronous) and closes the
// connections.
func (p *Publisher) Close() error { return p.w.Close() }
