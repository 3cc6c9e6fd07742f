package postgres_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/postgres"
)

const crashSchemaEnv = "SOUQ_PG_CRASH_CHILD_SCHEMA"

// TestCrashChild is the child process of TestKillMidAppend: it appends from
// several goroutines until it is killed, printing a line for each append the
// store acknowledged. Without the environment variable it does nothing.
func TestCrashChild(t *testing.T) {
	schema := os.Getenv(crashSchemaEnv)
	if schema == "" {
		t.Skip("child process of TestKillMidAppend only")
	}
	st, err := postgres.Open(context.Background(), os.Getenv("SOUQ_TEST_POSTGRES_URL"), postgres.Options{Schema: schema})
	if err != nil {
		fmt.Println("OPEN-FAILED", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				n := 1 + (g+i)%5
				// The command ID names the append and its size, so the
				// parent can tell a partial append from a whole one.
				cmd := fmt.Sprintf("%d-%d-%d-%d", os.Getpid(), g, i, n)
				evs := events(n, cmd)
				res, err := st.Append(context.Background(), fmt.Sprintf("crash-%d", g), eventstore.Any, evs)
				if err != nil {
					fmt.Println("APPEND-FAILED", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(out, "ACK %s %d\n", cmd, res.Position)
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestKillMidAppend kills a child process with SIGKILL while it appends
// concurrently, twice, and checks the store each time: every acknowledged
// append is there at the position it was given, every append is wholly there
// or wholly absent, positions are gap-free up to Head, and appends go on.
func TestKillMidAppend(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	e := newEnv(t)
	e.open(t, postgres.Options{}).Close() // migrate once, up front
	acked := map[string]eventstore.Position{}
	for round := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashSchemaEnv+"="+e.schema, "SOUQ_TEST_POSTGRES_URL="+e.url)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill after a number of acknowledgements that differs per round,
		// so the kill lands at different points of the load.
		want := 150 + 170*round
		got := 0
		timeout := time.After(30 * time.Second)
		for got < want {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("child exited early: %v", cmd.Wait())
				}
				got += record(t, acked, l)
			case <-timeout:
				t.Fatalf("child acknowledged only %d appends", got)
			}
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		for l := range lines { // what it printed before it died was acknowledged
			record(t, acked, l)
		}
		_ = cmd.Wait()

		st := e.open(t, postgres.Options{})
		stored := checkAfterCrash(t, st, acked)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: %d appends acknowledged so far, %d stored (the rest were in flight or unprinted at the kill)", round, len(acked), stored)
	}
}

func record(t *testing.T, acked map[string]eventstore.Position, line string) int {
	t.Helper()
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "ACK" {
		t.Fatalf("child: %s", line)
	}
	p, err := strconv.ParseUint(f[2], 10, 64)
	if err != nil {
		t.Fatalf("child: %s", line)
	}
	acked[f[1]] = eventstore.Position(p)
	return 1
}

// checkAfterCrash checks the store and returns how many appends it holds.
func checkAfterCrash(t *testing.T, st *postgres.Store, acked map[string]eventstore.Position) int {
	t.Helper()
	ctx := t.Context()
	var all []eventstore.RecordedEvent
	for {
		b, err := st.ReadAll(ctx, eventstore.Position(len(all)), 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			break
		}
		all = append(all, b...)
	}
	byCmd := map[string][]eventstore.RecordedEvent{}
	for i, ev := range all {
		if ev.Position != eventstore.Position(i+1) {
			t.Fatalf("position %d at index %d: a gap", ev.Position, i)
		}
		byCmd[ev.Metadata.CommandID] = append(byCmd[ev.Metadata.CommandID], ev)
	}
	head, err := st.Head(ctx)
	if err != nil || head != eventstore.Position(len(all)) {
		t.Fatalf("Head = %d, %v; want %d", head, err, len(all))
	}
	for cmd, evs := range byCmd {
		parts := strings.Split(cmd, "-")
		n, _ := strconv.Atoi(parts[len(parts)-1])
		if len(evs) != n {
			t.Fatalf("append %s is partly stored: %d of %d events", cmd, len(evs), n)
		}
		if evs[n-1].Position-evs[0].Position != eventstore.Position(n-1) {
			t.Fatalf("append %s is not contiguous in $all", cmd)
		}
	}
	for cmd, pos := range acked {
		evs, ok := byCmd[cmd]
		if !ok {
			t.Fatalf("acknowledged append %s is lost", cmd)
		}
		if last := evs[len(evs)-1].Position; last != pos {
			t.Fatalf("acknowledged append %s at position %d, stored at %d", cmd, pos, last)
		}
	}
	res, err := st.Append(ctx, "after-crash", eventstore.Any, events(1, fmt.Sprintf("after-%d-1", len(all)))) // counted as a whole append of 1
	if err != nil || res.Position != eventstore.Position(len(all)+1) {
		t.Fatalf("append after the crash: %+v, %v; want position %d", res, err, len(all)+1)
	}
	return len(byCmd)
}
