package scratch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/scratch"
	"github.com/souq-market/souq/projections/viewtest"
)

// counts is a view small enough to reason about: events per stream (keyed
// by stream) and per type (a table without a primary key). It refuses
// events of the poison type.
type counts struct{ poison string }

func (counts) Name() string { return "counts" }

func (counts) Tables() []projections.Table {
	return []projections.Table{
		{Name: "counts", DDL: []string{`CREATE TABLE {counts} (stream TEXT PRIMARY KEY, n BIGINT NOT NULL, last TEXT NOT NULL)`}},
		{Name: "count_types", DDL: []string{`CREATE TABLE {count_types} (type TEXT NOT NULL, n BIGINT NOT NULL)`}},
	}
}

func (c counts) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	for _, e := range events {
		if e.Type == c.poison {
			return fmt.Errorf("counts: refuses %s", e.Type)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO {counts} (stream, n, last) VALUES (?, 1, ?)
			ON CONFLICT (stream) DO UPDATE SET n = {counts}.n + 1, last = excluded.last`, e.StreamID, e.Type); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE {count_types} SET n = n + 1 WHERE type = ?`, e.Type)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO {count_types} (type, n) VALUES (?, 1)`, e.Type); err != nil {
				return err
			}
		}
	}
	return nil
}

func (counts) Reset(ctx context.Context, tx *projections.Tx) error {
	_, err := tx.Exec(ctx, `DELETE FROM {counts}`)
	if err == nil {
		_, err = tx.Exec(ctx, `DELETE FROM {count_types}`)
	}
	return err
}

func appendEvents(t *testing.T, st eventstore.Store, from, n int, typeOf func(i int) string) {
	t.Helper()
	for i := from; i < from+n; i++ {
		_, err := st.Append(context.Background(), fmt.Sprintf("s-%d", i%7), eventstore.Any, []eventstore.EventData{{
			ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Type: typeOf(i), SchemaVersion: 1, Data: json.RawMessage(`{}`),
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func plainTypes(i int) string { return fmt.Sprintf("t.%d", i%3) }

// project runs the live runner until it reached st's head (parked events
// allowed, unlike viewtest.CatchUp) and stops it.
func project(t *testing.T, r *projections.Runner, st eventstore.Store) eventstore.Position {
	t.Helper()
	head, err := st.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	if err := r.WaitFor(wctx, "counts", head); err != nil {
		t.Fatal(err)
	}
	return head
}

func liveRunner(t *testing.T, db viewtest.DB, st eventstore.Store, p projections.Projector) *projections.Runner {
	t.Helper()
	r, err := projections.New(context.Background(), projections.Options{DB: db.W, Dialect: db.Dialect, Store: st,
		BatchSize: 10, Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pair puts a fresh scratch database of live's kind beside it.
func pair(t *testing.T, live viewtest.DB) *scratch.Views {
	t.Helper()
	s := viewtest.Fresh(t, live)
	if live.Name == "sqlite" {
		var path string
		if err := live.W.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
			t.Fatal(err)
		}
		return scratch.SQLite(s.W, s.R, path)
	}
	schema := func(db viewtest.DB) string {
		var name string
		if err := db.W.QueryRow(`SELECT current_schema()`).Scan(&name); err != nil {
			t.Fatal(err)
		}
		return name
	}
	return scratch.Postgres(s.W, s.R, schema(live), schema(s))
}

func TestAnUntouchedViewComparesClean(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		st := viewtest.NewStore(t)
		appendEvents(t, st, 0, 60, plainTypes)
		head := project(t, liveRunner(t, db, st, counts{}), st)
		var reports []projections.Progress
		res, err := pair(t, db).Compare(context.Background(), counts{}, scratch.Options{Store: st,
			Progress: func(p projections.Progress) { reports = append(reports, p) }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Position != head || res.Tables != 2 || len(res.Differences) != 0 || len(res.Parked) != 0 {
			t.Fatalf("%+v, want position %d, 2 tables, no difference", res, head)
		}
		if len(reports) == 0 || !reports[len(reports)-1].Swapped || reports[len(reports)-1].Position != head {
			t.Errorf("progress %+v: want a last report at %d", reports, head)
		}
	})
}

// TestEditsBehindTheEnginesBackAreNamed changes a value, deletes a row and
// adds one in the live tables: each is reported with its table, key and
// column, and nothing else is.
func TestEditsBehindTheEnginesBackAreNamed(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		st := viewtest.NewStore(t)
		appendEvents(t, st, 0, 60, plainTypes)
		project(t, liveRunner(t, db, st, counts{}), st)
		for _, q := range []string{
			`UPDATE counts SET n = 1000 WHERE stream = 's-3'`,
			`DELETE FROM counts WHERE stream = 's-5'`,
			`INSERT INTO counts (stream, n, last) VALUES ('s-forged', 1, 't.0')`,
			`UPDATE count_types SET n = 0 WHERE type = 't.1'`,
		} {
			if _, err := db.W.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		res, err := pair(t, db).Compare(context.Background(), counts{}, scratch.Options{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range res.Differences {
			got = append(got, d.String())
		}
		want := []string{
			`counts [stream="s-3"]: n is "1000" live, "9" rebuilt`,
			`counts [stream="s-5"]: missing from the live view`,
			`counts [stream="s-forged"]: in the live view, not in the rebuild`,
			// Without a primary key the whole row is the key: an edit is a
			// row extra and another missing (in key order).
			`count_types [type="t.1", n="0"]: in the live view, not in the rebuild`,
			`count_types [type="t.1", n="20"]: missing from the live view`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("differences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if res.Counted["counts"] != 3 || res.Counted["count_types"] != 2 {
			t.Errorf("counted %v", res.Counted)
		}
		d := res.Differences[0]
		if d.Kind != scratch.Differs || d.Column != "n" || *d.Live != "1000" || *d.Rebuilt != "9" || d.Key[0].Column != "stream" {
			t.Errorf("the edited value as data: %+v", d)
		}
		// The cap keeps the first differences and still counts them all.
		capped, err := pair(t, db).Compare(context.Background(), counts{}, scratch.Options{Store: st, MaxDifferences: 1})
		if err != nil || len(capped.Differences) != 2 || capped.Counted["counts"] != 3 {
			t.Errorf("capped at 1 per table: %d kept, %v counted, %v", len(capped.Differences), capped.Counted, err)
		}
	})
}

// hooked runs once before the first read of the log: what the live side
// does while a comparison has started.
type hooked struct {
	eventstore.Store
	once sync.Once
	fn   func()
}

func (h *hooked) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	h.once.Do(h.fn)
	return h.Store.ReadAll(ctx, after, limit)
}

// TestTheLiveViewMovingOnIsComparedWhereItGot: the live projector handles
// more events after the comparison read its checkpoint; the rebuild
// catches up with it and the two compare equal at the new position.
func TestTheLiveViewMovingOnIsComparedWhereItGot(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		st := viewtest.NewStore(t)
		appendEvents(t, st, 0, 40, plainTypes)
		live := liveRunner(t, db, st, counts{})
		first := project(t, live, st)
		var moved eventstore.Position
		h := &hooked{Store: st, fn: func() {
			appendEvents(t, st, 40, 25, plainTypes)
			moved = project(t, live, st)
		}}
		res, err := pair(t, db).Compare(context.Background(), counts{}, scratch.Options{Store: h})
		if err != nil {
			t.Fatal(err)
		}
		if moved <= first || res.Position != moved || len(res.Differences) != 0 {
			t.Fatalf("compared at %d (live went from %d to %d): %v", res.Position, first, moved, res.Differences)
		}
	})
}

func TestEventsTheRebuildParksAreReported(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		st := viewtest.NewStore(t)
		appendEvents(t, st, 0, 30, func(i int) string {
			if i == 17 {
				return "t.poison"
			}
			return plainTypes(i)
		})
		p := counts{poison: "t.poison"}
		project(t, liveRunner(t, db, st, p), st)
		res, err := pair(t, db).Compare(context.Background(), p, scratch.Options{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Parked) != 1 || res.Parked[0].Position != 18 || len(res.Differences) != 0 {
			t.Fatalf("parked %+v, differences %v; want position 18 parked alike on both sides", res.Parked, res.Differences)
		}
	})
}

func TestNoLiveViewIsSaidSo(t *testing.T) {
	db := viewtest.SQLite(t)
	if _, err := db.W.Exec(`CREATE TABLE ` + projections.CheckpointTable + ` (name TEXT PRIMARY KEY, position BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	_, err := pair(t, db).Compare(context.Background(), counts{}, scratch.Options{Store: memory.New(memory.Options{})})
	if !errors.Is(err, scratch.ErrNoLiveView) {
		t.Fatalf("%v, want ErrNoLiveView", err)
	}
}
