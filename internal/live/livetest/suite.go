// Package livetest is the acceptance suite of the fan-out port, run by
// every implementation (live.Memory always, live/redis against the real
// Redis).
//
// It may import the standard library and internal/live.
package livetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/live"
)

// Factory returns two fan-outs over one shared backend, as two processes
// would have them (Memory: the same one twice), namespaced to the test and
// closed when it ends.
type Factory func(t *testing.T, o live.Options) (pub, sub live.Fanout)

const wait = 5 * time.Second

func msg(ch string, id uint64) live.Message {
	return live.Message{ID: id, Channel: ch, Type: "order.paid", Data: []byte(fmt.Sprintf(`{"n":%d}`, id))}
}

// Run runs the suite.
func Run(t *testing.T, newFanout Factory) {
	ctx := context.Background()
	t.Run("publish reaches the channel's subscribers only", func(t *testing.T) {
		pub, sub := newFanout(t, live.Options{})
		a1 := subscribe(t, sub, "order:1", 0)
		a2 := subscribe(t, sub, "order:1", 0)
		b := subscribe(t, sub, "order:2", 0)
		must(t, pub.Publish(ctx, msg("order:1", 10), msg("order:2", 11), msg("order:1", 12)))
		for _, s := range []*live.Subscription{a1, a2} {
			if got := take(t, s, 2); got[0].ID != 10 || got[1].ID != 12 || string(got[1].Data) != `{"n":12}` || got[0].Type != "order.paid" {
				t.Fatalf("order:1 got %+v", got)
			}
		}
		if got := take(t, b, 1); got[0].ID != 11 || got[0].Channel != "order:2" {
			t.Fatalf("order:2 got %+v", got)
		}
		select {
		case m := <-b.C:
			t.Fatalf("order:2 got another: %+v", m)
		case <-time.After(50 * time.Millisecond):
		}
	})
	t.Run("resume after an ID", func(t *testing.T) {
		pub, sub := newFanout(t, live.Options{})
		for id := uint64(1); id <= 5; id++ {
			must(t, pub.Publish(ctx, msg("vendor:v", id)))
		}
		must(t, pub.Publish(ctx, msg("vendor:v", 3))) // a projector's redelivery
		s := subscribe(t, sub, "vendor:v", 2)
		if !s.Complete || ids(s.Backlog) != "3,4,5" {
			t.Fatalf("backlog %s complete %v", ids(s.Backlog), s.Complete)
		}
		if fresh := subscribe(t, sub, "vendor:v", 0); len(fresh.Backlog) != 0 || !fresh.Complete {
			t.Fatalf("a new subscriber got a backlog: %s", ids(fresh.Backlog))
		}
		if s := subscribe(t, sub, "vendor:quiet", 7); len(s.Backlog) != 0 || !s.Complete {
			t.Fatalf("a channel without history: %s %v", ids(s.Backlog), s.Complete)
		}
		must(t, pub.Publish(ctx, msg("vendor:v", 6)))
		if got := take(t, s, 1); got[0].ID != 6 {
			t.Fatalf("live after the backlog: %+v", got)
		}
	})
	t.Run("a trimmed history says it is incomplete", func(t *testing.T) {
		pub, sub := newFanout(t, live.Options{History: 4})
		for id := uint64(1); id <= 10; id++ {
			must(t, pub.Publish(ctx, msg("order:9", id)))
		}
		s := subscribe(t, sub, "order:9", 2)
		if s.Complete || ids(s.Backlog) != "7,8,9,10" {
			t.Fatalf("after 2: backlog %s complete %v", ids(s.Backlog), s.Complete)
		}
		if s := subscribe(t, sub, "order:9", 6); !s.Complete || ids(s.Backlog) != "7,8,9,10" {
			t.Fatalf("after 6: backlog %s complete %v", ids(s.Backlog), s.Complete)
		}
	})
	t.Run("ending a subscription", func(t *testing.T) {
		pub, sub := newFanout(t, live.Options{})
		cctx, cancel := context.WithCancel(ctx)
		s, err := sub.Subscribe(cctx, "order:3", 0)
		must(t, err)
		cancel()
		closed(t, s)
		if !errors.Is(s.Err(), context.Canceled) {
			t.Fatalf("err %v", s.Err())
		}
		s2 := subscribe(t, sub, "order:3", 0)
		s2.Close()
		s2.Close()
		closed(t, s2)
		if s2.Err() != nil {
			t.Fatalf("closed by its owner: %v", s2.Err())
		}
		must(t, pub.Publish(ctx, msg("order:3", 1))) // nobody listening: fine
	})
	t.Run("a slow subscriber is dropped, others go on", func(t *testing.T) {
		pub, sub := newFanout(t, live.Options{Buffer: 2})
		slow := subscribe(t, sub, "order:4", 0)
		fast := subscribe(t, sub, "order:4", 0)
		got := make(chan []live.Message)
		go func() { got <- take(t, fast, 6) }()
		for id := uint64(1); id <= 6; id++ {
			must(t, pub.Publish(ctx, msg("order:4", id)))
			time.Sleep(5 * time.Millisecond)
		}
		if g := <-got; ids(g) != "1,2,3,4,5,6" {
			t.Fatalf("fast got %s", ids(g))
		}
		deadline := time.After(wait)
		for n := 0; ; n++ {
			select {
			case _, ok := <-slow.C:
				if !ok {
					if !errors.Is(slow.Err(), live.ErrSlow) || n > 2 {
						t.Fatalf("slow ended with %v after %d", slow.Err(), n)
					}
					return
				}
			case <-deadline:
				t.Fatal("the slow subscriber was never dropped")
			}
		}
	})
	t.Run("close ends subscriptions, publish goes on", func(t *testing.T) {
		pub, sub := newFanout(t, live.Options{})
		s := subscribe(t, sub, "order:5", 0)
		must(t, sub.Close())
		closed(t, s)
		if !errors.Is(s.Err(), live.ErrClosed) {
			t.Fatalf("err %v", s.Err())
		}
		if _, err := sub.Subscribe(ctx, "order:5", 0); !errors.Is(err, live.ErrClosed) {
			t.Fatalf("subscribe after close: %v", err)
		}
		if pub != sub {
			must(t, pub.Publish(ctx, msg("order:5", 1)))
		}
		must(t, sub.Close())
	})
	t.Run("invalid channels", func(t *testing.T) {
		pub, sub := newFanout(t, live.Options{})
		for _, ch := range []string{"", "a b", "order:*", "x\n", string(make([]byte, 201))} {
			if _, err := sub.Subscribe(ctx, ch, 0); !errors.Is(err, live.ErrInvalid) {
				t.Errorf("subscribe %q: %v", ch, err)
			}
			if err := pub.Publish(ctx, msg(ch, 1)); !errors.Is(err, live.ErrInvalid) {
				t.Errorf("publish %q: %v", ch, err)
			}
		}
	})
}

func subscribe(t *testing.T, f live.Fanout, ch string, after uint64) *live.Subscription {
	t.Helper()
	s, err := f.Subscribe(context.Background(), ch, after)
	if err != nil {
		t.Fatalf("subscribe %s: %v", ch, err)
	}
	t.Cleanup(s.Close)
	return s
}

// take reads n messages after the backlog, skipping repeats as a
// subscriber must.
func take(t *testing.T, s *live.Subscription, n int) []live.Message {
	var last uint64
	if len(s.Backlog) > 0 {
		last = s.Backlog[len(s.Backlog)-1].ID
	}
	var out []live.Message
	deadline := time.After(wait)
	for len(out) < n {
		select {
		case m, ok := <-s.C:
			if !ok {
				t.Errorf("closed after %d of %d: %v", len(out), n, s.Err())
				return out
			}
			if m.ID > last {
				out, last = append(out, m), m.ID
			}
		case <-deadline:
			t.Errorf("got %d of %d messages", len(out), n)
			return out
		}
	}
	return out
}

func closed(t *testing.T, s *live.Subscription) {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case _, ok := <-s.C:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the subscription was not closed")
		}
	}
}

func ids(ms []live.Message) string {
	s := ""
	for i, m := range ms {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(m.ID)
	}
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
