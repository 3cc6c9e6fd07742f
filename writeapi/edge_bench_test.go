package writeapi

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/souq-market/souq/internal/ratelimit"
	rlredis "github.com/souq-market/souq/internal/ratelimit/redis"
	"github.com/souq-market/souq/internal/testenv"
)

// BenchmarkEdge measures what the rate limit adds to a request: the same
// cheap request (a logout with a junk token: decoded, 204, nothing written)
// through the write API without a limiter (the baseline), with the
// in-process limiter and with the Redis one. Each request comes from its
// own address, so none is refused and every one is counted.
//
//	go test -run '^$' -bench Edge -benchtime 3000x -count 5 ./writeapi
func BenchmarkEdge(b *testing.B) {
	policy := ratelimit.Policy{Limit: 1 << 30, Window: time.Minute}
	mem, _ := ratelimit.NewMemory(policy, nil)
	cases := []struct {
		name    string
		limiter func(b *testing.B) ratelimit.Limiter
	}{
		{"baseline", func(*testing.B) ratelimit.Limiter { return nil }},
		{"memory", func(*testing.B) ratelimit.Limiter { return mem }},
		{"redis", func(b *testing.B) ratelimit.Limiter {
			c, err := rlredis.Open(context.Background(), testenv.URL(b, testenv.Redis))
			if err != nil {
				b.Fatal(err)
			}
			prefix := "souq-bench:" + uuid.NewString() + ":"
			b.Cleanup(func() {
				keys, _ := c.Keys(context.Background(), prefix+"*").Result()
				for len(keys) > 0 {
					n := min(len(keys), 1000)
					c.Del(context.Background(), keys[:n]...)
					keys = keys[n:]
				}
				_ = c.Close()
			})
			l, _ := rlredis.New(c, policy, prefix)
			return l
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			e := idEnv(b, Edge{Limiter: tc.limiter(b), Policy: policy})
			var n atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(8) // 16 concurrent requests on 2 cores, as a loaded server has
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					req := httptest.NewRequest("POST", "/v1/auth/logout", strings.NewReader(`{"refresh_token":"junk"}`))
					req.Header.Set("Content-Type", "application/json")
					req.RemoteAddr = "10." + strconv.Itoa(int(i>>16&255)) + "." + strconv.Itoa(int(i>>8&255)) + "." + strconv.Itoa(int(i&255)) + ":1"
					rec := httptest.NewRecorder()
					e.h.ServeHTTP(rec, req)
					if rec.Code != 204 {
						b.Fatalf("status %d", rec.Code)
					}
				}
			})
		})
	}
}
