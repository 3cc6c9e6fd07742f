package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/kafka"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/outbox"
	"github.com/souq-market/souq/projections/viewtest"
)

// BenchmarkPublish measures the outbox end to end (read the store, map,
// publish with acks=all, save the checkpoint in SQLite) against a bare
// kafka-go writer sending the same messages, already built, in batches of
// the same size, to the same kfake broker in the same run. Each op is the
// whole history of benchEvents events; events/s is the figure to compare.
func BenchmarkPublish(b *testing.B) {
	const benchEvents, batch = 5000, 500
	// The store hands the runner batches of 500, as the runner asks.
	st, _ := marketOn(b, followsInBatches(b, batch), benchEvents)
	head, _ := st.Head(context.Background())
	br := startBroker(b, 4)
	m := outbox.NewMapper(registry(), st)
	var msgs []kafkago.Message
	for _, ev := range viewtest.Events(b, st) {
		e, ok, err := m.Map(context.Background(), ev)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		msgs = append(msgs, kafka.Message(e))
	}

	w := &kafkago.Writer{Addr: kafkago.TCP(br.addrs()...), Balancer: kafkago.Murmur2Balancer{Consistent: true},
		RequiredAcks: kafkago.RequireAll, BatchSize: 512, BatchTimeout: time.Millisecond}
	defer w.Close()
	db := viewtest.SQLite(b)
	pub, err := kafka.NewPublisher(kafka.Config{Brokers: br.addrs()})
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	quiet := slog.New(slog.DiscardHandler)

	// Each op runs the baseline and the outbox back to back, so both see
	// the same machine (these 2 cores are shared and their load drifts).
	var bare, box time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		for j := 0; j < len(msgs); j += batch {
			if err := w.WriteMessages(context.Background(), msgs[j:min(j+batch, len(msgs))]...); err != nil {
				b.Fatal(err)
			}
		}
		bare += time.Since(start)

		start = time.Now()
		// A fresh checkpoint each op: the outbox publishes the whole
		// history again, as after a reset.
		p := outbox.New(m, pub, outbox.Options{Name: fmt.Sprintf("bench-%d", i), Logger: quiet})
		r, err := projections.New(context.Background(), projections.Options{DB: db.W, Dialect: db.Dialect, Store: st,
			BatchSize: batch, Logger: quiet}, p)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = r.Run(ctx) }()
		if err := r.WaitFor(context.Background(), p.Name(), eventstore.Position(head)); err != nil {
			b.Fatal(err)
		}
		cancel()
		<-done
		box += time.Since(start)
	}
	n := float64(b.N * len(msgs))
	b.ReportMetric(n/bare.Seconds(), "bare-events/s")
	b.ReportMetric(n/box.Seconds(), "outbox-events/s")
	b.ReportMetric(bare.Seconds()/box.Seconds(), "outbox/bare")
}
