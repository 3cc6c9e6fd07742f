package history_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/history"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
)

func TestRefoldOfAScriptedOrderFindsNothing(t *testing.T) {
	r, stream, moments := script(t)
	var calls int
	got, err := r.Refold(context.Background(), func(events uint64, at, head eventstore.Position) {
		calls++
		if at > head || events == 0 {
			t.Errorf("progress %d events at %d of %d", events, at, head)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	last := moments[len(moments)-1]
	if len(got.Problems) != 0 || got.Streams != 1 || got.Events != uint64(last.events) || got.Head != last.pos || calls == 0 {
		t.Fatalf("refold of %s: %+v (%d progress calls), want %d events and no problem", stream, got, calls, last.events)
	}
}

// rewritten is a store whose reads show events as edit leaves them: a log
// changed behind the store's back.
type rewritten struct {
	eventstore.Store
	edit func(*eventstore.RecordedEvent)
}

func (s rewritten) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	evs, err := s.Store.ReadAll(ctx, after, limit)
	for i := range evs {
		s.edit(&evs[i])
	}
	return evs, err
}

// TestRefoldNamesEveryEventThatDoesNotFold appends, beside a valid order,
// events no command would write, and edits revisions on the way out of the
// store: each is named with its position and kind, and nothing else is.
func TestRefoldNamesEveryEventThatDoesNotFold(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{})
	t.Cleanup(func() { _ = st.Close() })
	reg := commands.NewRegistry()
	n := 0
	add := func(stream, typ, data string) eventstore.Position {
		t.Helper()
		n++
		res, err := st.Append(ctx, stream, eventstore.Any, []eventstore.EventData{{
			ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Type: typ, SchemaVersion: 1, Data: json.RawMessage(data),
		}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Position
	}
	placed := `{"order_id":"o-1","customer_id":"c-1","country":"AE","payment_method":"cod"}`
	add("order-o-1", "order.placed", placed)
	want := map[eventstore.Position]string{
		add("order-o-1", "order.teleported", `{}`):                                  history.ProblemUnknownType,
		add("order-o-1", "wallet.credited", `{"reference":"r-1","source":"topup"}`): history.ProblemRefused,
		add("order-o-1", "order.confirmed", `[1, 2]`):                               history.ProblemUndecodable,
		add("ledger-7", "order.placed", placed):                                     history.ProblemUnknownStream,
	}
	add("ledger-7", "order.confirmed", `{}`) // its stream was named once already
	add("order-o-2", "order.placed", placed)
	gap := add("order-o-2", "order.confirmed", `{}`)
	add("order-o-2", "order.completed", `{}`) // shifted to 3, due after 2: fine again
	want[gap] = history.ProblemRevision

	r := history.New(rewritten{Store: st, edit: func(e *eventstore.RecordedEvent) {
		if e.StreamID == "order-o-2" && e.Position >= gap {
			e.StreamRevision++ // as if revision 1 had been deleted
		}
	}}, reg)
	got, err := r.Refold(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := map[eventstore.Position]string{}
	for _, p := range got.Problems {
		if _, dup := found[p.Position]; dup {
			t.Errorf("position %d named twice: %v", p.Position, got.Problems)
		}
		found[p.Position] = p.Kind
		if p.Stream == "" || p.Detail == "" || !strings.Contains(p.String(), fmt.Sprintf("position %d ", p.Position)) {
			t.Errorf("a problem without its place: %+v", p)
		}
	}
	for pos, kind := range want {
		if found[pos] != kind {
			t.Errorf("position %d: %q, want %q (all: %v)", pos, found[pos], kind, got.Problems)
		}
	}
	if len(found) != len(want) || got.Streams != 3 || got.Events != uint64(n) {
		t.Errorf("%d problems over %d streams and %d events, want %d over 3 and %d: %v", len(found), got.Streams, got.Events, len(want), n, got.Problems)
	}
}
