package integritytest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
)

// benchData is an event payload of a typical size.
var benchData = []byte(`{"order_id":"o-1","sku":"OUD-50ML","qty":1,"price":{"amount":45000,"currency":"AED"}}`)

func benchEvents(n int) []eventstore.EventData {
	es := make([]eventstore.EventData, n)
	for i := range es {
		es[i] = Event("order.placed", string(benchData))
	}
	return es
}

// BenchAppendCost measures what tamper evidence costs appends: the same
// appends to a store that hashes and to one that does not (plain, opened
// with the backend's benchmark-only seam), taking turns in rounds so a burst
// of load on a shared machine hits both. It reports both rates and the
// median of the rounds' ratios (hashed / plain; 1 is free).
func BenchAppendCost(b *testing.B, hashed, plain eventstore.Store, writers, perCommand int) {
	ctx := context.Background()
	const rounds = 10
	appendN := func(s eventstore.Store, n int) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := w; i < n; i += writers {
					if _, err := s.Append(ctx, fmt.Sprintf("order-%d", w), eventstore.Any, benchEvents(perCommand)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	var ratios []float64
	var hashedTime, plainTime time.Duration
	var total int
	b.ResetTimer()
	for r := range rounds {
		n := b.N*(r+1)/rounds - b.N*r/rounds
		if n == 0 {
			continue
		}
		var th, tp time.Duration
		if r%2 == 0 {
			th, tp = appendN(hashed, n), appendN(plain, n)
		} else {
			tp, th = appendN(plain, n), appendN(hashed, n)
		}
		hashedTime, plainTime, total = hashedTime+th, plainTime+tp, total+n
		ratios = append(ratios, tp.Seconds()/th.Seconds()) // rate ratio: hashed rate / plain rate
	}
	b.StopTimer()
	if len(ratios) == 0 {
		return
	}
	slices.Sort(ratios)
	events := float64(total * perCommand)
	b.ReportMetric(events/hashedTime.Seconds(), "hashed-ev/s")
	b.ReportMetric(events/plainTime.Seconds(), "plain-ev/s")
	b.ReportMetric(ratios[len(ratios)/2], "ratio")
}

// BenchEvents is how many events BenchVerify walks: SOUQ_BENCH_EVENTS, or
// 20,000 so a plain benchmark run stays short.
func BenchEvents(b *testing.B) int {
	n := 20_000
	if v := os.Getenv("SOUQ_BENCH_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("SOUQ_BENCH_EVENTS=%q: want a positive number", v)
		}
	}
	return n
}

// BenchVerify fills s with BenchEvents events (appends of 100 events over
// 100 streams) and measures VerifyIntegrity over all of them, in events per
// second; the fill is not timed.
func BenchVerify(b *testing.B, s Store) {
	ctx := context.Background()
	total := BenchEvents(b)
	const perAppend, writers = 100, 4
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w * perAppend; i < total; i += writers * perAppend {
				if _, err := s.Append(ctx, fmt.Sprintf("order-%d", (i/perAppend)%100), eventstore.Any, benchEvents(min(perAppend, total-i))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		problems, err := s.VerifyIntegrity(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(problems) != 0 {
			b.Fatalf("an untouched log has problems: %v", problems[:min(len(problems), 5)])
		}
	}
	b.ReportMetric(float64(b.N*total)/time.Since(start).Seconds(), "events/s")
}
