package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/testenv"
)

// TestServeEndToEnd builds the binary, starts `souq serve` with nothing
// configured but random ports, in an empty directory, checks every shared
// endpoint of both APIs, then sends SIGTERM and expects a clean exit.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "souq")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir // so the default ./data lands in the temp dir
	cmd.Env = append(os.Environ(),
		"SOUQ_WRITE_ADDR=127.0.0.1:0", "SOUQ_READ_ADDR=127.0.0.1:0", "SOUQ_SHUTDOWN_TIMEOUT=5s",
		"SOUQ_LOG_FORMAT=json", "SOUQ_DATA_DIR=", "SOUQ_EVENTSTORE=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Read the log as it comes: the listen addresses, then everything.
	var (
		mu    sync.Mutex
		lines []map[string]any
	)
	addrs := map[string]string{}
	ready := make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("log line is not JSON: %q", sc.Text())
				continue
			}
			mu.Lock()
			lines = append(lines, m)
			if m["msg"] == "listening" {
				addrs[m["api"].(string)] = m["addr"].(string)
			}
			if m["msg"] == "souq ready" {
				close(ready)
			}
			mu.Unlock()
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatal("souq serve did not report ready within 60s")
	}
	// The start-up promise (under 2 s) is a speed target, so it is measured
	// and reported here, and recorded in BENCHMARKS.md, not asserted: a
	// loaded CI machine must not fail a correct build.
	t.Logf("souq serve (plain build) reported ready %s after exec", time.Since(start))
	if _, err := os.Stat(filepath.Join(dir, "data", "events.db")); err != nil {
		t.Errorf("the default data dir and SQLite file were not created: %v", err)
	}

	mu.Lock()
	write, read := addrs["write"], addrs["read"]
	mu.Unlock()
	requests := 0
	for _, base := range []string{write, read} {
		for path, want := range map[string]string{
			"/healthz":      `"alive"`,
			"/readyz":       `"eventstore":"ok"`,
			"/metrics":      "souq_http_requests_in_flight",
			"/openapi.json": `"openapi":"3.1.0"`,
		} {
			status, body := httpGet(t, "http://"+base+path)
			requests++
			if status != 200 || !strings.Contains(body, want) {
				t.Errorf("GET %s%s: %d, want 200 containing %s; body %.300s", base, path, status, want, body)
			}
		}
		status, body := httpGet(t, "http://"+base+"/no/such/route")
		requests++
		if status != 404 || !strings.Contains(body, `"error_id"`) {
			t.Errorf("404 is not a problem: %d %s", status, body)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { <-readDone; exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("no exit within the 5s shutdown timeout after SIGTERM")
	}

	mu.Lock()
	defer mu.Unlock()
	var requestLines int
	var closed bool
	for _, l := range lines {
		switch l["msg"] {
		case "request":
			requestLines++
			if l["request_id"] == "" || l["route"] == nil {
				t.Errorf("request line without id or route: %v", l)
			}
		case "event store closed":
			closed = true
		}
	}
	if requestLines != requests {
		t.Errorf("%d request log lines for %d requests", requestLines, requests)
	}
	if !closed {
		t.Error("the event store was not closed on shutdown")
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func runIn(t *testing.T, args []string, env map[string]string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), environment{
		args: args, getenv: func(k string) string { return env[k] }, stdout: &stdout, stderr: &stderr,
	})
	return code, stdout.String(), stderr.String()
}

func TestBadConfigurationListsEveryProblem(t *testing.T) {
	code, _, stderr := runIn(t, []string{"serve", "-read-addr", ":70000"}, map[string]string{
		"SOUQ_EVENTSTORE": "mysql", "SOUQ_SHUTDOWN_TIMEOUT": "soon",
	})
	if code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	for _, want := range []string{"3 configuration problems", `SOUQ_EVENTSTORE="mysql"`, `-read-addr=":70000"`, `SOUQ_SHUTDOWN_TIMEOUT="soon"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestCommands(t *testing.T) {
	if code, out, _ := runIn(t, []string{"version"}, nil); code != 0 || !strings.HasPrefix(out, "souq ") || !strings.Contains(out, "go1.") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, out, _ := runIn(t, []string{"help"}, nil); code != 0 || !strings.Contains(out, "SOUQ_POSTGRES_URL") || !strings.Contains(out, "souq serve") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, _, errOut := runIn(t, []string{"frobnicate"}, nil); code != exitUsage || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, _, _ := runIn(t, nil, nil); code != exitUsage {
		t.Errorf("no command: %d", code)
	}
}

func TestTakenPortFailsTheStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, stderr := runIn(t, []string{"write"}, map[string]string{
		"SOUQ_DATA_DIR": t.TempDir(), "SOUQ_WRITE_ADDR": ln.Addr().String(), "SOUQ_LOG_FORMAT": "json",
	})
	if code != exitFailure || !strings.Contains(stderr, "address already in use") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
}

// syncBuffer is a log sink a test reads while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startInProcess runs `souq <args>` in this process and returns the listen
// address of each API once it reports ready, and a stop function that
// cancels it and returns its exit code.
func startInProcess(t *testing.T, args []string, env map[string]string) (map[string]string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	codes := make(chan int, 1)
	go func() {
		codes <- run(ctx, environment{args: args, getenv: func(k string) string { return env[k] }, stdout: io.Discard, stderr: logs})
	}()
	// A bound on waiting, not a speed check: under -race on a loaded
	// machine an in-process start takes tens of seconds.
	deadline := time.Now().Add(90 * time.Second)
	for {
		addrs := map[string]string{}
		ready := false
		for _, line := range strings.Split(logs.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) != nil {
				continue
			}
			if m["msg"] == "listening" {
				addrs[m["api"].(string)] = m["addr"].(string)
			}
			ready = ready || m["msg"] == "souq ready"
		}
		if ready {
			return addrs, func() int { cancel(); return <-codes }
		}
		select {
		case code := <-codes:
			cancel()
			t.Fatalf("souq exited with %d before ready:\n%s", code, logs)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("not ready within 10s:\n%s", logs)
		}
	}
}

// TestUnreachableStoreIsNotReady: KurrentDB's client dials lazily, so souq
// starts and /readyz, not the start, reports the store; /healthz stays up.
func TestUnreachableStoreIsNotReady(t *testing.T) {
	addrs, stop := startInProcess(t, []string{"serve"}, map[string]string{
		"SOUQ_EVENTSTORE": "kurrentdb", "SOUQ_KURRENTDB_URL": "kurrentdb://127.0.0.1:1?tls=false",
		"SOUQ_DATA_DIR": t.TempDir(), "SOUQ_LOG_FORMAT": "json", "SOUQ_READY_TIMEOUT": "500ms",
		"SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
	})
	for _, api := range []string{"write", "read"} {
		if status, _ := httpGet(t, "http://"+addrs[api]+"/healthz"); status != 200 {
			t.Errorf("%s /healthz: %d", api, status)
		}
		status, body := httpGet(t, "http://"+addrs[api]+"/readyz")
		if status != 503 || !strings.Contains(body, `"eventstore"`) || !strings.Contains(body, "readiness.failed") {
			t.Errorf("%s /readyz: %d %s", api, status, body)
		}
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
}

// TestServePostgres runs the write role on the real PostgreSQL, in a schema
// of its own that it drops afterwards.
func TestServePostgres(t *testing.T) {
	url := testenv.URL(t, testenv.Postgres)
	schema := fmt.Sprintf("souq_cmd_%d", time.Now().UnixNano())
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Errorf("drop schema: %v", err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	addrs, stop := startInProcess(t, []string{"write", "-write-addr", "127.0.0.1:0"}, map[string]string{
		"SOUQ_EVENTSTORE": "postgres", "SOUQ_POSTGRES_URL": url, "SOUQ_POSTGRES_SCHEMA": schema,
		"SOUQ_DATA_DIR": t.TempDir(), "SOUQ_LOG_FORMAT": "json",
	})
	if status, body := httpGet(t, "http://"+addrs["write"]+"/readyz"); status != 200 {
		t.Errorf("/readyz on postgres: %d %s", status, body)
	}
	if _, ok := addrs["read"]; ok {
		t.Error("the write role also started the read API")
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
}

// TestShutdownDrainsThenCuts: a request in flight when shutdown begins
// finishes if it fits in the timeout; one that does not is cut and reported.
func TestShutdownDrainsThenCuts(t *testing.T) {
	for _, tt := range []struct {
		name      string
		handler   time.Duration
		timeout   time.Duration
		wantError bool
	}{
		{"drained", 300 * time.Millisecond, 3 * time.Second, false},
		{"cut", 3 * time.Second, 200 * time.Millisecond, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			started := make(chan struct{})
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(started)
				select {
				case <-time.After(tt.handler):
					_, _ = io.WriteString(w, "done")
				case <-r.Context().Done():
				}
			})}
			go func() { _ = srv.Serve(ln) }()
			type result struct {
				status int
				err    error
			}
			got := make(chan result, 1)
			go func() {
				resp, err := http.Get("http://" + ln.Addr().String())
				if err != nil {
					got <- result{err: err}
					return
				}
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				got <- result{status: resp.StatusCode, err: err}
			}()
			<-started
			begin := time.Now()
			err = shutdown(tt.timeout, slog.New(slog.DiscardHandler), []server{{name: "test", http: srv, ln: ln}})
			if took := time.Since(begin); took > tt.timeout+time.Second {
				t.Fatalf("shutdown took %s with a %s timeout", took, tt.timeout)
			}
			r := <-got
			if tt.wantError {
				if err == nil || r.err == nil {
					t.Fatalf("want the request cut and reported: shutdown %v, request %+v", err, r)
				}
				return
			}
			if err != nil || r.err != nil || r.status != 200 {
				t.Fatalf("want the in-flight request drained: shutdown %v, request %+v", err, r)
			}
		})
	}
}

func TestConfigDefaultsAreZeroSetup(t *testing.T) {
	cfg, err := config.Load(config.Source{})
	if err != nil || cfg.EventStore != config.SQLite || cfg.DataDir != "./data" {
		t.Fatalf("the default must be the embedded store in ./data: %+v %v", cfg, err)
	}
}

func TestHealthProbe(t *testing.T) {
	ok := httptestServer(t, 200)
	bad := httptestServer(t, 503)
	if code, _, errOut := runIn(t, []string{"health", ok}, nil); code != exitOK {
		t.Errorf("healthy: exit %d %s", code, errOut)
	}
	if code, _, errOut := runIn(t, []string{"health", bad}, nil); code != exitFailure || !strings.Contains(errOut, "503") {
		t.Errorf("unhealthy: exit %d %s", code, errOut)
	}
	if code, _, _ := runIn(t, []string{"health", "http://127.0.0.1:1/healthz"}, nil); code != exitFailure {
		t.Errorf("unreachable: exit %d", code)
	}
}

func httptestServer(t *testing.T, status int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) })}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/healthz"
}
