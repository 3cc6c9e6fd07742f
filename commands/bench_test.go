package commands_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
)

// BenchmarkCheckout measures checkouts of a 3-line, 2-vendor cart end to end
// (catalog lookups, pricing, load, decide, encode, append) against the bare
// append of the same order.placed event, pre-encoded, to a new stream: the
// difference is what the command layer costs. Both run in the same process
// on the same store, with 1 and 16 concurrent clients.
//
//	go test -run '^$' -bench Checkout -benchtime 2s -count 5 ./commands/
func BenchmarkCheckout(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) eventstore.Store
	}{
		{"sqlite", func(b *testing.B) eventstore.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "events.db"), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			return st
		}},
		{"postgres", func(b *testing.B) eventstore.Store { return openPostgres(b) }},
	}
	for _, s := range stores {
		for _, clients := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/clients=%d/append", s.name, clients), func(b *testing.B) {
				st := s.open(b)
				placed := placedEvent(b)
				var n atomic.Int64
				parallel(b, clients, func() {
					i := n.Add(1)
					ev := placed
					ev.ID = uuid.NewString()
					if _, err := st.Append(context.Background(), fmt.Sprintf("order-bench-%d", i), eventstore.NoStream, []eventstore.EventData{ev}); err != nil {
						b.Error(err)
					}
				})
			})
			b.Run(fmt.Sprintf("%s/clients=%d/checkout", s.name, clients), func(b *testing.B) {
				st := s.open(b)
				x := commands.NewExecutor(st, commands.NewRegistry(), commands.Options{})
				commandstest.Customer(b, x, testCart("").CustomerID, domain.UAE)
				co := testCheckout(x)
				var n atomic.Int64
				parallel(b, clients, func() {
					if _, err := co.Handle(context.Background(), testCart(domain.OrderID(fmt.Sprintf("bench-%d", n.Add(1)))), commands.Meta{}); err != nil {
						b.Error(err)
					}
				})
			})
		}
	}
}

// placedEvent is the order.placed event of the benchmark cart, encoded.
func placedEvent(b *testing.B) eventstore.EventData {
	b.Helper()
	co := testCheckout(nil)
	q, err := co.Quote(context.Background(), testCart("bench-0"))
	if err != nil {
		b.Fatal(err)
	}
	reg := commands.NewRegistry()
	_, _, data, err := reg.Encode(placedFrom(q))
	if err != nil {
		b.Fatal(err)
	}
	return eventstore.EventData{Type: "order.placed", SchemaVersion: 1, Data: data, Metadata: eventstore.Metadata{CommandID: uuid.NewString()}}
}

// parallel runs f b.N times over the given number of goroutines.
func parallel(b *testing.B, clients int, f func()) {
	if clients == 1 {
		for b.Loop() {
			f()
		}
		return
	}
	b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			f()
		}
	})
}
