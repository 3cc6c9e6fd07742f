package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/integration"
	"github.com/souq-market/souq/internal/kafka"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/outbox"
	"github.com/souq-market/souq/projections/viewtest"
)

// broker is an in-process Kafka (kfake: the real wire protocol) that keeps
// its log in a directory, so it can be stopped and started again on the
// same port with its messages.
type broker struct {
	t    testing.TB
	dir  string
	port int
	c    *kfake.Cluster
}

func startBroker(t testing.TB, partitions int32) *broker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	b := &broker{t: t, dir: t.TempDir(), port: port}
	b.start(kfake.SeedTopics(partitions, integration.Topics()...))
	t.Cleanup(func() { b.c.Close() })
	return b
}

func (b *broker) start(extra ...kfake.Opt) {
	b.t.Helper()
	opts := append([]kfake.Opt{kfake.Ports(b.port), kfake.DataDir(b.dir)}, extra...)
	var err error
	for range 50 { // the port may linger a moment after a stop
		if b.c, err = kfake.NewCluster(opts...); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("start kfake: %v", err)
}

// restart stops the broker (connections drop, in-flight produces fail),
// stays down for a while, and starts it again with its log.
func (b *broker) restart(down time.Duration) {
	b.c.Close()
	time.Sleep(down)
	b.start()
}

func (b *broker) addrs() []string {
	return []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port))}
}

// market appends n events over many aggregates (orders, stock, accounts),
// in batches per stream, every one of which publishes; it returns the
// store and the IDs of the events per topic and aggregate key
// ("order.updated|o7"), in revision order: Kafka orders a key's messages
// within a topic, and an order's creation and updates are two topics.
func market(t testing.TB, n int) (*memory.Store, map[string][]string) {
	t.Helper()
	return marketOn(t, viewtest.NewStore(t), n)
}

// marketOn is market on a store of the caller's.
func marketOn(t testing.TB, st *memory.Store, n int) (*memory.Store, map[string][]string) {
	t.Helper()
	reg := registry()
	ns := uuid.New() // fresh IDs each run, so a real broker's old messages never count
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	byKey := map[string][]string{}
	seqs := map[int]int{} // events so far per aggregate
	amount, _ := domain.New(12000, domain.AED)
	zero, _ := domain.New(0, domain.AED)
	for i := 0; i < n; {
		agg := i / 10 % 1500 // 1,500 aggregates, ten events per append
		var stream, key string
		var evs []domain.Event
		count := min(10, n-i)
		for j := range count {
			seq := seqs[agg] + j
			switch agg % 3 {
			case 0:
				key = fmt.Sprintf("sku%d@dxb", agg)
				evs = append(evs, inventory.Received{SKU: domain.SKU(fmt.Sprintf("sku%d", agg)), Location: "dxb", Quantity: int64(seq + 1), At: at})
			case 1:
				key = fmt.Sprintf("o%d", agg)
				if seq == 0 {
					evs = append(evs, order.Placed{OrderID: domain.OrderID(key), CustomerID: "c1", Country: "AE", PaymentMethod: order.PayByCard,
						Totals: order.Totals{Subtotal: amount, Discount: zero, Shipping: zero, Total: amount, VAT: zero,
							Cashback: zero, Wallet: zero, Due: amount}, At: at})
				} else {
					evs = append(evs, order.Paid{PaymentID: domain.PaymentID(fmt.Sprintf("pay%d-%d", agg, seq)), Amount: amount, At: at})
				}
			default:
				key = fmt.Sprintf("u%d", agg)
				evs = append(evs, user.Registered{UserID: user.ID(key), Email: key + "@example.ae", Role: user.Customer, At: at})
			}
		}
		stream = map[int]string{0: "inventory-", 1: "order-", 2: "user-"}[agg%3] + key
		data := make([]eventstore.EventData, len(evs))
		for j, e := range evs {
			id := uuid.NewSHA1(ns, fmt.Appendf(nil, "%d", i+j)).String()
			var err error
			if data[j], err = reg.NewEvent(id, e, eventstore.Metadata{RecordedAt: at}); err != nil {
				t.Fatal(err)
			}
			k := e.EventType() // the topic it publishes to, below
			k = map[string]string{inventory.TypeReceived: integration.TopicInventoryUpdated, order.TypePlaced: integration.TopicOrderCreated,
				order.TypePaid: integration.TopicOrderUpdated, user.TypeRegistered: integration.TopicUserRegistered}[k] + "|" + key
			byKey[k] = append(byKey[k], id)
		}
		seqs[agg] += len(evs)
		if _, err := st.Append(context.Background(), stream, eventstore.Any, data); err != nil {
			t.Fatal(err)
		}
		i += count
	}
	return st, byKey
}

// followsInBatches is a memory store whose subscriptions deliver up to
// batch events at once, as the SQL stores do, so the runner's batches are
// as large as it asks.
func followsInBatches(t testing.TB, batch int) *memory.Store {
	st := memory.New(memory.Options{Follow: eventstore.FollowOptions{Poll: 10 * time.Millisecond, BatchSize: batch}})
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// outboxRun is one publisher process: a runner with only the outbox over
// the shared checkpoint database, and its own kafka-go publisher.
type outboxRun struct {
	runner *projections.Runner
	pub    *kafka.Publisher
	cancel context.CancelFunc
	done   chan struct{}
}

func startOutbox(t testing.TB, db viewtest.DB, st eventstore.Store, brokers []string, batch int) *outboxRun {
	return startOutboxWith(t, db, st, brokers, batch, nil)
}

// startOutboxWith wraps the publisher (wrap may be nil).
func startOutboxWith(t testing.TB, db viewtest.DB, st eventstore.Store, brokers []string, batch int,
	wrap func(outbox.Publisher) outbox.Publisher) *outboxRun {
	t.Helper()
	pub, err := kafka.NewPublisher(kafka.Config{Brokers: brokers, WriteTimeout: 3 * time.Second, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	var sink outbox.Publisher = pub
	if wrap != nil {
		sink = wrap(pub)
	}
	quiet := slog.New(slog.DiscardHandler)
	p := outbox.New(outbox.NewMapper(registry(), st), sink, outbox.Options{Logger: quiet})
	r, err := projections.New(context.Background(), projections.Options{
		DB: db.W, Dialect: db.Dialect, Store: st, BatchSize: batch, Logger: quiet,
		Backoff: 20 * time.Millisecond, MaxBackoff: 300 * time.Millisecond,
	}, p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	o := &outboxRun{runner: r, pub: pub, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(o.done); _ = r.Run(ctx) }()
	return o
}

// stop kills the publisher process: the batch in flight is abandoned
// wherever it was, and its events will be published again.
func (o *outboxRun) stop() {
	o.cancel()
	<-o.done
	_ = o.pub.Close()
}

func (o *outboxRun) waitFor(t testing.TB, pos eventstore.Position, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if err := o.runner.WaitFor(ctx, outbox.Name, pos); err != nil {
		st, _ := o.runner.Status(context.Background())
		t.Fatalf("outbox did not reach %d within %v: %v (%+v)", pos, within, err, st)
	}
}

// dying is a publisher process that dies right after the broker
// acknowledged a batch past position at, before the runner could save its
// checkpoint: the worst moment, which makes the next process publish that
// batch again.
type dying struct {
	outbox.Publisher
	at   uint64
	died chan struct{}
	once sync.Once
}

func (d *dying) Publish(ctx context.Context, events []integration.Event) error {
	if err := d.Publisher.Publish(ctx, events); err != nil {
		return err
	}
	if events[len(events)-1].Position >= d.at {
		d.once.Do(func() { close(d.died) })
		<-ctx.Done() // dead: the checkpoint never moves
		return ctx.Err()
	}
	return nil
}

// received is what the consumer saw.
type received struct {
	total, dups int
	rewinds     int                 // fetches that went back to an earlier offset
	byKey       map[string][]string // first deliveries, per key, in order
}

// consume reads every topic from the start until it has the log records of
// want distinct events of this run, then passes each partition's records,
// in offset order, through its own dedupe window, as a consumer instance
// owning that partition would.
//
// The records are taken in offset order (Kafka's one promise: the order of
// a partition's log); that the client also received them in that order is
// checked on the way.
func consume(t testing.TB, brokers []string, want map[string]bool, within time.Duration) received {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(integration.Topics()...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(8<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	type rec struct{ id, key string }
	logs := map[string]map[int64]rec{} // topic/partition → offset → record
	last := map[string]int64{}
	got := received{byKey: map[string][]string{}}
	distinct := map[string]bool{}
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for len(distinct) < len(want) {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumer saw %d of %d events within %v", len(distinct), len(want), within)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Logf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			var id string
			for _, h := range r.Headers {
				if h.Key == integration.HeaderEventID {
					id = string(h.Value)
				}
			}
			if !want[id] {
				return // another run's message on a shared real broker
			}
			tp := fmt.Sprintf("%s/%d", r.Topic, r.Partition)
			if logs[tp] == nil {
				logs[tp] = map[int64]rec{}
				last[tp] = -1
			}
			if r.Offset < last[tp] {
				got.rewinds++
			}
			last[tp] = r.Offset
			logs[tp][r.Offset] = rec{id, r.Topic + "|" + string(r.Key)}
			distinct[id] = true
		})
	}
	for _, log := range logs {
		offsets := make([]int64, 0, len(log))
		for o := range log {
			offsets = append(offsets, o)
		}
		slices.Sort(offsets)
		win := integration.NewWindow(0)
		for _, o := range offsets {
			r := log[o]
			got.total++
			if !win.First(r.id) {
				got.dups++
				continue
			}
			got.byKey[r.key] = append(got.byKey[r.key], r.id)
		}
	}
	if got.rewinds > 0 {
		t.Errorf("the client received %d stretches of a partition out of offset order", got.rewinds)
	}
	return got
}

func check(t *testing.T, got received, byKey map[string][]string, n int) {
	t.Helper()
	if got.total-got.dups != n {
		t.Fatalf("after dedupe %d events, want exactly %d (%d delivered, %d duplicates)", got.total-got.dups, n, got.total, got.dups)
	}
	for key, ids := range byKey {
		g := got.byKey[key]
		if len(g) != len(ids) {
			t.Fatalf("topic|aggregate %s: %d events after dedupe, want %d", key, len(g), len(ids))
		}
		for i := range ids {
			if g[i] != ids[i] {
				t.Fatalf("topic|aggregate %s: event %d is %s, want %s: per-aggregate order broken", key, i, g[i], ids[i])
			}
		}
	}
	t.Logf("%d events: %d deliveries, %d duplicates dropped, %d (topic, aggregate) pairs in order", n, got.total, got.dups, len(byKey))
}

func ids(byKey map[string][]string) map[string]bool {
	want := map[string]bool{}
	for _, l := range byKey {
		for _, id := range l {
			want[id] = true
		}
	}
	return want
}

// TestOutboxSurvivesBrokerAndPublisherRestarts publishes 100,000 events
// through the outbox to a Kafka-protocol broker, stops the broker for a
// while at a third (produces fail mid-batch; the outbox waits it out
// without parking anything), kills the publisher at two thirds and starts
// a new one on the same checkpoint; a consumer then sees every event at
// least once and, through the dedupe window, exactly once, each aggregate's
// events in the order they were stored.
func TestOutboxSurvivesBrokerAndPublisherRestarts(t *testing.T) {
	// 100,000 events; 20,000 under -race or -short, to stay within a
	// minute on two shared cores (the race detector slows kfake tenfold).
	n := 100_000
	if testing.Short() || raceBuild {
		n = 20_000
	}
	st, byKey := marketOn(t, followsInBatches(t, 500), n)
	head, _ := st.Head(context.Background())
	b := startBroker(t, 4)
	db := viewtest.SQLite(t)

	d := &dying{at: uint64(2 * head / 3), died: make(chan struct{})}
	o := startOutboxWith(t, db, st, b.addrs(), 500, func(p outbox.Publisher) outbox.Publisher { d.Publisher = p; return d })
	o.waitFor(t, head/3, 90*time.Second)
	b.restart(300 * time.Millisecond)
	select {
	case <-d.died:
	case <-time.After(40 * time.Second):
		t.Fatal("the publisher never reached two thirds")
	}
	o.stop()

	o = startOutbox(t, db, st, b.addrs(), 500)
	o.waitFor(t, head, 90*time.Second)
	if parked, err := o.runner.Parked(context.Background(), outbox.Name); err != nil || len(parked) != 0 {
		t.Fatalf("parked %d events (%v): a broker outage must never park", len(parked), err)
	}
	o.stop()

	got := consume(t, b.addrs(), ids(byKey), 90*time.Second)
	if got.dups == 0 {
		t.Error("no duplicates: the publisher that died after the broker's ack should have caused some")
	}
	check(t, got, byKey, n)
}

// TestOutboxRealKafka runs the same publish against a real Kafka when
// SOUQ_TEST_KAFKA_BROKERS is set (comma-separated host:port; the topics
// must exist or the broker must auto-create them). No broker restart: that
// is the operator's to do.
func TestOutboxRealKafka(t *testing.T) {
	env := os.Getenv("SOUQ_TEST_KAFKA_BROKERS")
	if env == "" {
		t.Skip("SOUQ_TEST_KAFKA_BROKERS is not set; the kfake tests cover the protocol")
	}
	brokers := strings.Split(env, ",")
	n := 20_000
	st, byKey := market(t, n)
	head, _ := st.Head(context.Background())
	db := viewtest.SQLite(t)
	o := startOutbox(t, db, st, brokers, 500)
	o.waitFor(t, head/2, 60*time.Second)
	o.stop()
	o = startOutbox(t, db, st, brokers, 500)
	o.waitFor(t, head, 60*time.Second)
	o.stop()
	check(t, consume(t, brokers, ids(byKey), 60*time.Second), byKey, n)
}
