package commands_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

const (
	sku = domain.SKU("oud-royal-50ml")
	loc = domain.LocationID("dxb-1")
)

func newExec(t *testing.T, st eventstore.Store, retries int) *commands.Executor {
	t.Helper()
	return commands.NewExecutor(st, commands.NewRegistry(), commands.Options{Retries: retries, Backoff: time.Microsecond, MaxBackoff: time.Millisecond})
}

func stockStep(t *testing.T, decide func(*inventory.Inventory) error) commands.Step[*inventory.Inventory] {
	t.Helper()
	stream, err := commands.InventoryStream(sku, loc)
	if err != nil {
		t.Fatal(err)
	}
	return commands.Step[*inventory.Inventory]{
		Stream: stream,
		New:    func() *inventory.Inventory { return inventory.New(sku, loc) },
		Decide: decide,
	}
}

func receive(n int64) func(*inventory.Inventory) error {
	return func(a *inventory.Inventory) error {
		return a.Receive(inventory.Receive{SKU: sku, Location: loc, Quantity: n}, t0)
	}
}

func reserve(id string, n int64) func(*inventory.Inventory) error {
	return func(a *inventory.Inventory) error {
		return a.Reserve(inventory.Reserve{SKU: sku, Location: loc, ReservationID: inventory.ReservationID(id), OrderID: "o-" + domain.OrderID(id), Quantity: n, ExpiresAt: t0.Add(time.Hour)}, t0)
	}
}

func read(t *testing.T, st eventstore.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	recs, err := st.ReadStream(context.Background(), stream, eventstore.ReadStreamOptions{})
	if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatal(err)
	}
	return recs
}

func TestExecuteAppendsWithMetadataAndExpectedRevision(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{})
	x := newExec(t, st, 0)
	meta := commands.Meta{CommandID: "c-1", CausationID: "ev-0", Actor: eventstore.Actor{UserID: "u1", Role: "vendor"}, IdempotencyKey: "k1"}
	res, err := commands.Execute(ctx, x, meta, stockStep(t, receive(10)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 1 || res.Revision != 0 || res.Position != 1 || res.Replayed {
		t.Fatalf("result %+v", res)
	}
	res, err = commands.Execute(ctx, x, commands.Meta{CommandID: "c-2"}, stockStep(t, reserve("r1", 3)))
	if err != nil || res.Revision != 1 || res.Position != 2 {
		t.Fatalf("second command: %+v %v", res, err)
	}
	recs := read(t, st, res.Stream)
	if len(recs) != 2 || recs[0].Type != inventory.TypeReceived || recs[1].Type != inventory.TypeReserved {
		t.Fatalf("stored %+v", recs)
	}
	md := recs[0].Metadata
	if md.CommandID != "c-1" || md.CorrelationID != "c-1" || md.CausationID != "ev-0" || md.Actor.UserID != "u1" || md.Actor.Role != "vendor" || md.IdempotencyKey != "k1" {
		t.Fatalf("metadata %+v", md)
	}
}

func TestExecuteSameCommandTwiceWritesOnce(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{})
	x := newExec(t, st, 0)
	meta := commands.Meta{CommandID: commands.IdempotentID(eventstore.Actor{UserID: "u1"}, "key-1"), IdempotencyKey: "key-1", RequestHash: "h1"}
	first, err := commands.Execute(ctx, x, meta, stockStep(t, receive(10)))
	if err != nil {
		t.Fatal(err)
	}
	// Receive is not idempotent in the domain: only the command ID makes
	// the second run a replay.
	again, err := commands.Execute(ctx, x, meta, stockStep(t, receive(10)))
	if err != nil || !again.Replayed || again.Position != first.Position || again.Revision != first.Revision {
		t.Fatalf("replay: %+v %v (first %+v)", again, err, first)
	}
	if n := len(read(t, st, first.Stream)); n != 1 {
		t.Fatalf("%d events stored", n)
	}
	// Same key, another body: refused, nothing written.
	other := meta
	other.RequestHash = "h2"
	_, err = commands.Execute(ctx, x, other, stockStep(t, receive(99)))
	if domain.CodeOf(err) != commands.CodeIdempotencyKeyReused || domain.KindOf(err) != domain.Conflict {
		t.Fatalf("other body: %v", err)
	}
	// Another user with the same key is another command.
	meta2 := commands.Meta{CommandID: commands.IdempotentID(eventstore.Actor{UserID: "u2"}, "key-1"), IdempotencyKey: "key-1", RequestHash: "h1"}
	if res, err := commands.Execute(ctx, x, meta2, stockStep(t, receive(10))); err != nil || res.Replayed || res.Revision != 1 {
		t.Fatalf("other user: %+v %v", res, err)
	}
}

func TestExecuteDecisionWithoutEventsWritesNothing(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{})
	x := newExec(t, st, 0)
	if _, err := commands.Execute(ctx, x, commands.Meta{}, stockStep(t, receive(5))); err != nil {
		t.Fatal(err)
	}
	if _, err := commands.Execute(ctx, x, commands.Meta{}, stockStep(t, reserve("r1", 2))); err != nil {
		t.Fatal(err)
	}
	// The same reservation under a new command ID: the domain sees a retry.
	res, err := commands.Execute(ctx, x, commands.Meta{}, stockStep(t, reserve("r1", 2)))
	if err != nil || res.Events != 0 || res.Revision != 1 || res.Position != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	if n := len(read(t, st, res.Stream)); n != 2 {
		t.Fatalf("%d events", n)
	}
	// A refusal is the domain's error, unchanged, and writes nothing.
	_, err = commands.Execute(ctx, x, commands.Meta{}, stockStep(t, reserve("r2", 4)))
	if domain.CodeOf(err) != inventory.CodeInsufficientStock {
		t.Fatalf("%v", err)
	}
	if n := len(read(t, st, res.Stream)); n != 2 {
		t.Fatalf("%d events", n)
	}
}

func TestDecideIsADryRun(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{})
	x := newExec(t, st, 0)
	if _, err := commands.Execute(ctx, x, commands.Meta{}, stockStep(t, receive(5))); err != nil {
		t.Fatal(err)
	}
	agg, err := commands.Decide(ctx, x, stockStep(t, reserve("r1", 2)))
	if err != nil || len(agg.Changes()) != 1 || agg.Available() != 3 {
		t.Fatalf("dry run: %v %v", agg.Changes(), err)
	}
	if n := len(read(t, st, "inventory-oud-royal-50ml@dxb-1")); n != 1 {
		t.Fatalf("a dry run wrote: %d events", n)
	}
}

// racing is a store where another writer slips an event into the stream
// just before each of the first `times` appends, as a concurrent command
// would between our load and our append.
type racing struct {
	eventstore.Store
	times   int32
	count   atomic.Int32
	appends atomic.Int32
	reg     *eventstore.Registry
}

func (r *racing) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) (eventstore.AppendResult, error) {
	r.appends.Add(1)
	if n := r.count.Add(1); n <= r.times {
		ev, err := r.reg.NewEvent(commands.DeriveID("rival", string(rune('a'+n))), inventory.Received{SKU: sku, Location: loc, Quantity: 1, At: t0}, eventstore.Metadata{CommandID: "rival"})
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		if _, err := r.Store.Append(ctx, stream, eventstore.Any, []eventstore.EventData{ev}); err != nil {
			return eventstore.AppendResult{}, err
		}
	}
	return r.Store.Append(ctx, stream, expected, events)
}

func TestConflictIsRetriedOnFreshState(t *testing.T) {
	ctx := context.Background()
	st := &racing{Store: memory.New(memory.Options{}), times: 1, reg: commands.NewRegistry()}
	x := newExec(t, st, 0)
	if _, err := commands.Execute(ctx, x, commands.Meta{}, stockStep(t, receive(2))); err != nil {
		t.Fatal(err)
	}
	// The rival added one unit before our reservation's first append; the
	// retry sees 3 available and reserves all of them.
	res, err := commands.Execute(ctx, x, commands.Meta{}, stockStep(t, reserve("r1", 3)))
	if err != nil || res.Events != 1 || res.Revision != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	if got := st.appends.Load(); got != 3 {
		t.Fatalf("%d appends, want 3 (receive, conflict, retry)", got)
	}
}

func TestConflictGivesUpAfterTheBound(t *testing.T) {
	ctx := context.Background()
	st := &racing{Store: memory.New(memory.Options{}), times: 1 << 30, reg: commands.NewRegistry()}
	x := newExec(t, st, 3)
	_, err := commands.Execute(ctx, x, commands.Meta{}, stockStep(t, receive(2)))
	if domain.KindOf(err) != domain.Conflict || domain.CodeOf(err) != commands.CodeConcurrencyConflict || !errors.Is(err, eventstore.ErrConflict) {
		t.Fatalf("%v", err)
	}
	if got := st.appends.Load(); got != 4 {
		t.Fatalf("%d attempts, want 1 + 3 retries", got)
	}
	for _, e := range read(t, st, "inventory-oud-royal-50ml@dxb-1") {
		if e.Metadata.CommandID != "rival" {
			t.Fatalf("a refused command wrote %+v", e)
		}
	}
}

func TestExecuteRespectsContextWhileBackingOff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := &racing{Store: memory.New(memory.Options{}), times: 1 << 30, reg: commands.NewRegistry()}
	x := commands.NewExecutor(st, commands.NewRegistry(), commands.Options{Retries: 100, Backoff: time.Hour})
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if _, err := commands.Execute(ctx, x, commands.Meta{}, stockStep(t, receive(2))); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v", err)
	}
}

func TestMetaIsValidated(t *testing.T) {
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'k'
	}
	x := newExec(t, memory.New(memory.Options{}), 0)
	_, err := commands.Execute(context.Background(), x, commands.Meta{IdempotencyKey: string(long)}, stockStep(t, receive(2)))
	if domain.KindOf(err) != domain.Invalid {
		t.Fatalf("%v", err)
	}
}

// A precondition is a compare-and-set: a rival write between the load and
// the append is a refusal, never a retry on the newer state.
func TestPreconditionIsCompareAndSet(t *testing.T) {
	ctx := context.Background()
	st := &racing{Store: memory.New(memory.Options{}), reg: commands.NewRegistry()}
	x := newExec(t, st, 5)
	step := stockStep(t, receive(2))
	at := func(rev uint64) commands.Meta {
		return commands.Meta{Precondition: &commands.Precondition{Stream: step.Stream, Revision: rev}}
	}
	refused := func(what string, err error) {
		t.Helper()
		if domain.KindOf(err) != domain.Precondition || domain.CodeOf(err) != commands.CodePreconditionFailed {
			t.Fatalf("%s: %v, want a precondition refusal", what, err)
		}
	}
	_, err := commands.Execute(ctx, x, at(0), step)
	refused("on a missing stream", err)
	if _, err := commands.Execute(ctx, x, commands.Meta{}, step); err != nil {
		t.Fatal(err)
	}
	_, err = commands.Execute(ctx, x, at(3), step)
	refused("at a wrong revision", err)
	st.times = st.count.Load() + 1 // a rival slips in before the next append
	appendsBefore := st.appends.Load()
	_, err = commands.Execute(ctx, x, at(0), step)
	refused("after a rival write", err)
	if !errors.Is(err, eventstore.ErrConflict) || st.appends.Load()-appendsBefore != 1 {
		t.Fatalf("%v after %d appends; want the store's conflict and no retry", err, st.appends.Load()-appendsBefore)
	}
	recs := read(t, st, step.Stream)
	if n := len(recs); n != 2 || recs[1].Metadata.CommandID != "rival" {
		t.Fatalf("stream holds %d events; want ours and the rival's only", n)
	}
	res, err := commands.Execute(ctx, x, at(1), step)
	if err != nil || res.Revision != 2 {
		t.Fatalf("at the right revision: %+v %v", res, err)
	}
}
