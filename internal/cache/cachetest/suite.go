// Package cachetest is the acceptance suite of the cache port: every
// implementation runs it (cache.Memory always, cache/redis against the real
// Redis).
//
// It may import the standard library and internal/cache.
package cachetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/cache"
)

// Factory returns an empty cache of the test's own (its keys namespaced,
// removed after the test).
type Factory func(t *testing.T) cache.Cache

// Run runs the suite. Expiry waits wall-clock time (a few hundred ms) since
// Redis keeps its own clock.
func Run(t *testing.T, newCache Factory) {
	ctx := context.Background()
	t.Run("fill and load", func(t *testing.T) {
		c := newCache(t)
		if _, _, ok, err := c.Load(ctx, "p:1"); ok || err != nil {
			t.Fatalf("empty cache loaded %v %v", ok, err)
		}
		mustFill(t, c, "p:1", 3, "three", true)
		v, rev, ok, err := c.Load(ctx, "p:1")
		if err != nil || !ok || rev != 3 || string(v) != "three" {
			t.Fatalf("load: %q %d %v %v", v, rev, ok, err)
		}
		mustFill(t, c, "p:1", 2, "two", false) // older than what is there
		mustFill(t, c, "p:1", 3, "three again", true)
		mustFill(t, c, "p:1", 5, "five", true)
		if v, rev, _, _ := c.Load(ctx, "p:1"); rev != 5 || string(v) != "five" {
			t.Fatalf("after fills: %q %d", v, rev)
		}
		// Binary values come back byte for byte.
		bin := string([]byte{0, 255, '\n', 1})
		mustFill(t, c, "p:bin", 0, bin, true)
		if v, _, _, _ := c.Load(ctx, "p:bin"); string(v) != bin {
			t.Fatalf("binary: %q", v)
		}
	})
	t.Run("invalidate leaves a floor", func(t *testing.T) {
		c := newCache(t)
		mustFill(t, c, "p:1", 4, "four", true)
		must(t, c.Invalidate(ctx, "p:1", 5, time.Minute))
		if _, _, ok, _ := c.Load(ctx, "p:1"); ok {
			t.Fatal("a value older than the invalidation is still served")
		}
		// The race of cache-aside: a reader read the view before it caught
		// up with revision 5 and fills with revision 4. Refused.
		mustFill(t, c, "p:1", 4, "four", false)
		mustFill(t, c, "p:1", 5, "five", true)
		// An invalidation at or below the value's revision keeps it.
		must(t, c.Invalidate(ctx, "p:1", 5, time.Minute))
		must(t, c.Invalidate(ctx, "p:1", 3, time.Minute))
		if v, rev, ok, _ := c.Load(ctx, "p:1"); !ok || rev != 5 || string(v) != "five" {
			t.Fatalf("a fresh value was dropped: %q %d %v", v, rev, ok)
		}
		// The floor never goes down: a late, older invalidation leaves 5.
		must(t, c.Invalidate(ctx, "p:1", 7, time.Minute))
		must(t, c.Invalidate(ctx, "p:1", 6, time.Minute))
		mustFill(t, c, "p:1", 6, "six", false)
		mustFill(t, c, "p:1", 7, "seven", true)
		// Invalidating a key never filled leaves a floor too.
		must(t, c.Invalidate(ctx, "p:new", 2, time.Minute))
		mustFill(t, c, "p:new", 1, "one", false)
		mustFill(t, c, "p:new", 2, "two", true)
	})
	t.Run("expiry", func(t *testing.T) {
		c := newCache(t)
		if _, err := c.Fill(ctx, "p:1", 1, []byte("x"), 150*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		must(t, c.Invalidate(ctx, "p:2", 9, 150*time.Millisecond))
		time.Sleep(400 * time.Millisecond)
		if _, _, ok, _ := c.Load(ctx, "p:1"); ok {
			t.Fatal("an expired value was served")
		}
		// The floor expired with its TTL: an old value may fill again.
		mustFill(t, c, "p:2", 1, "one", true)
	})
	t.Run("counters apply each revision once", func(t *testing.T) {
		c := newCache(t)
		add := func(group string, rev uint64, deltas map[string]int64, want bool) {
			t.Helper()
			got, err := c.Add(ctx, "stock:oud-50", group, rev, deltas)
			if err != nil || got != want {
				t.Fatalf("add %s@%d %v: applied %v, want %v (%v)", group, rev, deltas, got, want, err)
			}
		}
		add("dxb", 0, map[string]int64{"on_hand": 10}, true)
		add("dxb", 1, map[string]int64{"reserved": 3}, true)
		add("dxb", 1, map[string]int64{"reserved": 3}, false) // redelivered
		add("dxb", 0, map[string]int64{"on_hand": 10}, false) // stale
		add("ruh", 0, map[string]int64{"on_hand": 4}, true)   // its own stream, its own revision
		add("dxb", 2, map[string]int64{"on_hand": -3, "reserved": -3}, true)
		got, err := c.Counters(ctx, "stock:oud-50", "stock:none")
		if err != nil || len(got) != 2 {
			t.Fatalf("counters: %v %v", got, err)
		}
		dxb, ruh := got[0]["dxb"], got[0]["ruh"]
		if dxb.Rev != 2 || dxb.Values["on_hand"] != 7 || dxb.Values["reserved"] != 0 || ruh.Rev != 0 || ruh.Values["on_hand"] != 4 || len(got[0]) != 2 {
			t.Fatalf("stock:oud-50 = %+v", got[0])
		}
		if len(got[1]) != 0 {
			t.Fatalf("an unknown key has counters: %+v", got[1])
		}
	})
	t.Run("concurrent adds of one revision apply once", func(t *testing.T) {
		c := newCache(t)
		var wg sync.WaitGroup
		applied := make(chan bool, 64)
		for range 16 {
			wg.Go(func() {
				for rev := range uint64(4) {
					ok, err := c.Add(ctx, "k", "g", rev, map[string]int64{"n": 1})
					if err != nil {
						t.Error(err)
					}
					applied <- ok
				}
			})
		}
		wg.Wait()
		close(applied)
		got, _ := c.Counters(ctx, "k")
		// Each worker adds revisions 0..3 in order; whichever comes first
		// wins each revision, and a revision below the stored one is stale:
		// the total is the number of applied adds, at most 4.
		n := 0
		for ok := range applied {
			if ok {
				n++
			}
		}
		if v := got[0]["g"].Values["n"]; v != int64(n) || n < 1 || n > 4 || got[0]["g"].Rev != 3 {
			t.Fatalf("n=%d, %d applied, rev %d", v, n, got[0]["g"].Rev)
		}
	})
	t.Run("invalid arguments", func(t *testing.T) {
		c := newCache(t)
		for _, tc := range []struct {
			name       string
			key, group string
			deltas     map[string]int64
		}{
			{"empty key", "", "g", nil},
			{"empty group", "k", "", nil},
			{"group with separator", "k", "a" + cache.Sep + "b", nil},
			{"reserved field", "k", "g", map[string]int64{cache.RevField: 1}},
			{"field with separator", "k", "g", map[string]int64{"a" + cache.Sep: 1}},
		} {
			if _, err := c.Add(ctx, tc.key, tc.group, 1, tc.deltas); !errors.Is(err, cache.ErrInvalid) {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		if _, err := c.Fill(ctx, "k", 1, nil, 0); !errors.Is(err, cache.ErrInvalid) {
			t.Errorf("zero ttl: %v", err)
		}
		if err := c.Invalidate(ctx, "", 1, time.Minute); !errors.Is(err, cache.ErrInvalid) {
			t.Errorf("empty key: %v", err)
		}
	})
	t.Run("clear by prefix", func(t *testing.T) {
		c := newCache(t)
		for i := range 30 {
			mustFill(t, c, fmt.Sprintf("detail:%d", i), 1, "x", true)
			if _, err := c.Add(ctx, fmt.Sprintf("stock:%d", i), "g", 1, map[string]int64{"n": 1}); err != nil {
				t.Fatal(err)
			}
		}
		// A prefix with glob characters matches literally.
		mustFill(t, c, "stock*x", 1, "x", true)
		must(t, c.Clear(ctx, "stock:"))
		got, _ := c.Counters(ctx, "stock:3")
		if len(got[0]) != 0 {
			t.Fatalf("stock:3 survived: %v", got[0])
		}
		if _, _, ok, _ := c.Load(ctx, "stock*x"); !ok {
			t.Fatal("a key outside the prefix was cleared")
		}
		if _, _, ok, _ := c.Load(ctx, "detail:29"); !ok {
			t.Fatal("detail:29 was cleared")
		}
		must(t, c.Ping(ctx))
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustFill(t *testing.T, c cache.Cache, key string, rev uint64, v string, want bool) {
	t.Helper()
	got, err := c.Fill(context.Background(), key, rev, []byte(v), time.Minute)
	if err != nil || got != want {
		t.Fatalf("fill %s@%d: stored %v, want %v (%v)", key, rev, got, want, err)
	}
}
