package audit

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/audit/auditq"
	"github.com/souq-market/souq/projections/vendors/market"
	"github.com/souq-market/souq/projections/viewtest"
)

// renamed is the projector under another checkpoint name, writing the same
// table: running it feeds the whole history to the view a second time,
// past the runner's deduplication.
type renamed struct {
	projections.SQL
	as string
}

func (r renamed) Name() string { return r.as }

// rows dumps the view without positions, which an interleaved copy of the
// history changes, ordered by event ID.
const rows = `SELECT event_id, stream, revision, type, recorded_at, command_id, correlation_id, causation_id, actor, role
	FROM audit_events ORDER BY event_id`

const withPositions = `SELECT position, event_id FROM audit_events ORDER BY position`

func TestReplayTwiceAndShuffled(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		st := viewtest.NewStore(t)
		market.History(t, st, 1, 150)
		all := viewtest.Events(t, st)
		viewtest.Project(t, db, st, New())
		once := viewtest.Dump(t, db.R, rows, withPositions)
		var n int
		if err := db.R.QueryRow(`SELECT count(*) FROM audit_events`).Scan(&n); err != nil || n != len(all) {
			t.Fatalf("%d rows (%v) for %d events", n, err, len(all))
		}

		// The same history again, past the runner's checkpoint: the view
		// itself keeps each event once.
		viewtest.Project(t, db, st, renamed{SQL: New(), as: "audit-again"})
		viewtest.Same(t, "history applied twice", viewtest.Dump(t, db.R, rows, withPositions), once)

		again := viewtest.SQLite(t)
		if db.Name == "postgres" {
			again = viewtest.Postgres(t)
		}
		viewtest.Project(t, again, viewtest.Redelivering{Store: st, Seed: 5}, New())
		viewtest.Same(t, "duplicated overlapping deliveries", viewtest.Dump(t, again.R, rows, withPositions), once)

		shuffled := viewtest.SQLite(t)
		if db.Name == "postgres" {
			shuffled = viewtest.Postgres(t)
		}
		viewtest.Project(t, shuffled, viewtest.Redelivering{Store: viewtest.Interleave(t, st, 9), Seed: 6}, New())
		viewtest.Same(t, "streams interleaved otherwise, duplicated", viewtest.Dump(t, shuffled.R, rows), viewtest.Dump(t, db.R, rows))
	})
}

// want filters and orders events as the reader must: newest first by
// (recorded_at, position).
func want(all []eventstore.RecordedEvent, keep func(eventstore.RecordedEvent) bool) []uint64 {
	var evs []eventstore.RecordedEvent
	for _, ev := range all {
		if keep(ev) {
			evs = append(evs, ev)
		}
	}
	slices.SortFunc(evs, func(a, b eventstore.RecordedEvent) int {
		return cmp.Or(b.Metadata.RecordedAt.Compare(a.Metadata.RecordedAt), cmp.Compare(b.Position, a.Position))
	})
	out := []uint64{}
	for _, ev := range evs {
		out = append(out, uint64(ev.Position))
	}
	return out
}

// pages walks every page of q and returns the positions seen.
func pages(t *testing.T, r *auditq.Reader, q auditq.Query) ([]uint64, []auditq.Event) {
	t.Helper()
	got := []uint64{}
	var events []auditq.Event
	for i := 0; ; i++ {
		page, err := r.Events(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) > q.Limit {
			t.Fatalf("page of %d events, limit %d", len(page.Events), q.Limit)
		}
		for _, e := range page.Events {
			got = append(got, e.Position)
		}
		events = append(events, page.Events...)
		if page.Next == "" {
			return got, events
		}
		if i > 10000 {
			t.Fatal("pagination does not end")
		}
		q.Cursor = page.Next
	}
}

func TestQueries(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		st := viewtest.NewStore(t)
		market.History(t, st, 2, 60)
		all := viewtest.Events(t, st)
		viewtest.Project(t, db, st, New())
		r := auditq.New(db.R, db.Rebind)

		from, to := market.Start.Add(6*time.Hour), market.Start.Add(20*time.Hour)
		stream := "order-o-7"
		for _, c := range []struct {
			name string
			q    auditq.Query
			keep func(eventstore.RecordedEvent) bool
		}{
			{"everything", auditq.Query{Limit: 37}, func(eventstore.RecordedEvent) bool { return true }},
			{"by actor", auditq.Query{Actor: "c-3", Limit: 4}, func(ev eventstore.RecordedEvent) bool { return ev.Metadata.Actor.UserID == "c-3" }},
			{"by stream", auditq.Query{Stream: stream, Limit: 2}, func(ev eventstore.RecordedEvent) bool { return ev.StreamID == stream }},
			{"by command", auditq.Query{Command: "checkout-o-7", Limit: 1}, func(ev eventstore.RecordedEvent) bool { return ev.Metadata.CommandID == "checkout-o-7" }},
			{"by time", auditq.Query{From: from, To: to, Limit: 25}, func(ev eventstore.RecordedEvent) bool {
				return !ev.Metadata.RecordedAt.Before(from) && ev.Metadata.RecordedAt.Before(to)
			}},
			{"by actor and time", auditq.Query{Actor: "system", From: from, To: to, Limit: 3}, func(ev eventstore.RecordedEvent) bool {
				return ev.Metadata.Actor.UserID == "system" && !ev.Metadata.RecordedAt.Before(from) && ev.Metadata.RecordedAt.Before(to)
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				w := want(all, c.keep)
				if len(w) < 2 {
					t.Fatalf("the history has %d matching events: the case proves nothing", len(w))
				}
				got, _ := pages(t, r, c.q)
				if !slices.Equal(got, w) {
					t.Fatalf("positions %v\nwant %v", got, w)
				}
			})
		}

		// One row carries the whole envelope and its command.
		_, evs := pages(t, r, auditq.Query{Command: "checkout-o-7", Limit: 50})
		for _, e := range evs {
			src := all[e.Position-1]
			if e.EventID != src.ID || e.Stream != src.StreamID || e.Revision != src.StreamRevision || e.Type != src.Type ||
				!e.RecordedAt.Equal(src.Metadata.RecordedAt) || e.CorrelationID != src.Metadata.CorrelationID ||
				e.Actor != src.Metadata.Actor.UserID || e.Role != src.Metadata.Actor.Role || e.CommandID != "checkout-o-7" {
				t.Fatalf("row %+v does not match event %+v", e, src)
			}
		}

		for _, q := range []auditq.Query{{Cursor: "!!"}, {Cursor: "bm9wZQ"}} {
			if _, err := r.Events(context.Background(), q); !errors.Is(err, auditq.ErrBadCursor) {
				t.Fatalf("cursor %q: %v, want ErrBadCursor", q.Cursor, err)
			}
		}
		for _, q := range []auditq.Query{{Limit: -1}, {Limit: auditq.MaxLimit + 1}, {From: to, To: from}} {
			if _, err := r.Events(context.Background(), q); !errors.Is(err, auditq.ErrBadQuery) {
				t.Fatalf("query %+v: %v, want ErrBadQuery", q, err)
			}
		}
	})
}
