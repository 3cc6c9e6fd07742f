package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/souq-market/souq/internal/testenv"
)

// serve with SOUQ_REDIS_URL opens one Redis client, shared by the cache,
// the live fan-out and the rate limit, and closes it on shutdown: no
// connection souq opened is left once serve returned (the rate limiter's
// own client used to stay open for ever).
func TestServeClosesItsRedisClient(t *testing.T) {
	base := testenv.URL(t, testenv.Redis)
	name := fmt.Sprintf("souq-test-%d", time.Now().UnixNano())
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	opts, err := goredis.ParseURL(base)
	if err != nil {
		t.Fatal(err)
	}
	admin := goredis.NewClient(opts)
	defer func() { _ = admin.Close() }()
	conns := func() int {
		t.Helper()
		list, err := admin.ClientList(context.Background()).Result()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(list, " name="+name+" ")
	}
	addrs, stop := startInProcess(t, []string{"serve"}, map[string]string{
		"SOUQ_DATA_DIR": t.TempDir(), "SOUQ_LOG_FORMAT": "json", "SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
		"SOUQ_REDIS_URL": base + sep + "client_name=" + name, "SOUQ_SHUTDOWN_TIMEOUT": "20s",
	})
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	// A request through the rate limit, so its connections exist too.
	resp, body := client{t, "http://" + addrs["write"], ""}.do("POST", "/v1/orders", `{}`)
	if resp.Header.Get("RateLimit-Remaining") == "" {
		t.Fatalf("the request did not pass the rate limit: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if n := conns(); n == 0 {
		t.Fatalf("no connection named %s while serving: the client name did not reach Redis", name)
	}
	stopped = true
	if code := stop(); code != 0 {
		t.Fatalf("serve exited with %d", code)
	}
	if n := conns(); n != 0 {
		t.Fatalf("%d connections named %s left open after serve returned", n, name)
	}
}
