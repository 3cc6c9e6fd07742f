package kafka_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/souq-market/souq/integration"
	"github.com/souq-market/souq/internal/kafka"
)

func event(id string, pos uint64) integration.Event {
	return integration.Event{ID: id, Type: integration.TopicOrderUpdated, SchemaVersion: 1, Key: "o1", Position: pos, Revision: pos - 1,
		RecordedAt: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), Payload: json.RawMessage(`{"order_id":"o1"}`)}
}

// TestPublishConsumeOnce: events published twice (a redelivery) reach the
// handler once each, in order, with their headers read back intact; a
// failing handler stops the consumer without the event being remembered.
func TestPublishConsumeOnce(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(1, integration.TopicOrderUpdated))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pub, err := kafka.NewPublisher(kafka.Config{Brokers: c.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	batch := []integration.Event{event("e1", 1), event("e2", 2), event("e3", 3)}
	for range 2 {
		if err := pub.Publish(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Publish(ctx, []integration.Event{event("e4", 4)}); err != nil {
		t.Fatal(err)
	}

	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: c.ListenAddrs(), Topic: integration.TopicOrderUpdated, Partition: 0, MaxWait: 50 * time.Millisecond})
	defer r.Close()
	win := integration.NewWindow(16)
	var got []integration.Event
	boom := errors.New("boom")
	err = kafka.NewConsumer(r, win).Run(ctx, func(_ context.Context, e integration.Event) error {
		if e.ID == "e4" {
			return boom
		}
		got = append(got, e)
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the handler's error", err)
	}
	if len(got) != 3 {
		t.Fatalf("handled %d events, want 3 (duplicates dropped): %+v", len(got), got)
	}
	for i, e := range got {
		want := batch[i]
		if e.ID != want.ID || e.Type != want.Type || e.SchemaVersion != 1 || e.Key != "o1" || e.Position != want.Position ||
			e.Revision != want.Revision || string(e.Payload) != string(want.Payload) {
			t.Errorf("event %d read back as %+v, want %+v", i, e, want)
		}
	}
	if win.Seen("e4") {
		t.Error("a failed event was remembered: its redelivery would be dropped")
	}
}

func TestPublisherNeedsBrokers(t *testing.T) {
	if _, err := kafka.NewPublisher(kafka.Config{}); err == nil {
		t.Fatal("a publisher without brokers was built")
	}
}
