package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
)

const crashEnv = "SOUQ_SQLITE_CRASH_CHILD"

type crashPayload struct {
	Append string `json:"a"` // the append this event belongs to
	N      int    `json:"n"` // events in that append
	I      int    `json:"i"` // this event's index in it
}

// TestCrashChild is the child of TestKill9: it appends from several
// goroutines until killed, printing "ack <position> <ids…>" for every
// acknowledged append. It does nothing when run on its own.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("the child of TestKill9; runs only when re-executed by it")
	}
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	time.AfterFunc(30*time.Second, func() { os.Exit(4) }) // never outlive a lost parent
	var out sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for {
				n := 1 + rand.IntN(4)
				app := newID()
				es := make([]eventstore.EventData, n)
				ids := make([]string, n)
				for i := range es {
					data, _ := json.Marshal(crashPayload{Append: app, N: n, I: i})
					es[i] = eventstore.EventData{ID: newID(), Type: "crash.tested", SchemaVersion: 1, Data: data}
					ids[i] = es[i].ID
				}
				r, err := s.Append(context.Background(), fmt.Sprintf("crash-%d", g%4), eventstore.Any, es)
				if err != nil {
					fmt.Fprintln(os.Stderr, "child append:", err)
					os.Exit(5)
				}
				line := fmt.Sprintf("ack %d %s\n", r.Position, strings.Join(ids, " "))
				out.Lock()
				_, _ = os.Stdout.WriteString(line) // one write: a killed child leaves at most one partial line
				out.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestKill9 kills a child process that is appending, at random moments, and
// checks the file afterwards: every acknowledged append is stored, every
// append is wholly there or wholly absent, positions and stream revisions
// have no gap, the file passes integrity_check, and appends go on.
func TestKill9(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in the child")
	}
	path := tempPath(t)
	const rounds = 4
	totalAcks := 0
	for round := range rounds {
		acks := runAndKill(t, path, time.Duration(20+rand.IntN(200))*time.Millisecond)
		totalAcks += len(acks)
		checkAfterCrash(t, path, acks, round)
	}
	t.Logf("%d rounds, %d acknowledged appends checked", rounds, totalAcks)
	if totalAcks == 0 {
		t.Fatal("no child ever acknowledged an append: the test proved nothing")
	}
}

type ack struct {
	pos eventstore.Position
	ids []string
}

func runAndKill(t *testing.T, path string, after time.Duration) []ack {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	lines := make(chan []ack, 1)
	go func() {
		var acks []ack
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 3 || f[0] != "ack" {
				continue // test framework chatter, or a line cut by the kill
			}
			pos, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				continue
			}
			if len(acks) == 0 {
				close(first)
			}
			acks = append(acks, ack{pos: eventstore.Position(pos), ids: f[2:]})
		}
		lines <- acks
	}()
	select {
	case <-first:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the child acknowledged nothing within 20s")
	}
	time.Sleep(after)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	acks := <-lines
	_ = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child ended with %v, not by SIGKILL", cmd.ProcessState)
	}
	return acks
}

func checkAfterCrash(t *testing.T, path string, acks []ack, round int) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("round %d: integrity_check: %q, %v", round, integrity, err)
	}
	db.Close()

	s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("round %d: reopen after kill -9: %v", round, err)
	}
	defer s.Close()
	all := readAll(t, s) // fails on a gap
	byID := make(map[string]eventstore.RecordedEvent, len(all))
	groups := map[string][]eventstore.RecordedEvent{}
	nextRev := map[string]uint64{}
	for _, e := range all {
		byID[e.ID] = e
		if e.StreamRevision != nextRev[e.StreamID] {
			t.Fatalf("round %d: stream %s jumps to revision %d, want %d", round, e.StreamID, e.StreamRevision, nextRev[e.StreamID])
		}
		nextRev[e.StreamID]++
		if e.Type != "crash.tested" {
			continue // appended by an earlier round's parent
		}
		var p crashPayload
		if err := json.Unmarshal(e.Data, &p); err != nil {
			t.Fatalf("round %d: event %s: %v", round, e.ID, err)
		}
		groups[p.Append] = append(groups[p.Append], e)
	}
	for _, a := range acks {
		for i, id := range a.ids {
			e, ok := byID[id]
			if !ok {
				t.Fatalf("round %d: acknowledged event %s (append ending at %d) is lost", round, id, a.pos)
			}
			if i == len(a.ids)-1 && e.Position != a.pos {
				t.Fatalf("round %d: acknowledged at position %d, stored at %d", round, a.pos, e.Position)
			}
		}
	}
	for app, evs := range groups {
		var p crashPayload
		_ = json.Unmarshal(evs[0].Data, &p)
		if len(evs) != p.N {
			t.Fatalf("round %d: append %s is torn: %d of its %d events stored", round, app, len(evs), p.N)
		}
		for i, e := range evs {
			if e.Position != evs[0].Position+eventstore.Position(i) || e.StreamRevision != evs[0].StreamRevision+uint64(i) {
				t.Fatalf("round %d: append %s is not contiguous", round, app)
			}
		}
	}
	if _, err := s.Append(context.Background(), "after-crash", eventstore.Any, events(2)); err != nil {
		t.Fatalf("round %d: append after reopen: %v", round, err)
	}
	t.Logf("round %d: %d events stored, %d acknowledged appends in this round, all present", round, len(all), len(acks))
}
