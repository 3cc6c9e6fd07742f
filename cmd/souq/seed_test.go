package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/projections/search"
	"github.com/souq-market/souq/projections/search/catalog"
)

// levenshtein is the plain edit distance (no transpositions), as the
// search backends count typos.
func levenshtein(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur := make([]int, len(y)+1)
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(y)]
}

// As a newcomer would: `souq seed`, then `souq serve`, then a search for
// oud with two filters; the total and the facet counts equal a direct count
// over the generated catalog. A second seed writes nothing (a replay).
func TestSeedThenSearch(t *testing.T) {
	const n = 60
	dir := t.TempDir()
	env := map[string]string{"SOUQ_DATA_DIR": dir, "SOUQ_LOG_FORMAT": "json"}
	if code, _, stderr := runIn(t, []string{"seed", "--products", strconv.Itoa(n), "--seed", "42"}, env); code != exitOK {
		t.Fatalf("seed: exit %d\n%s", code, stderr)
	}
	head := func() uint64 {
		cfg, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
		if err != nil {
			t.Fatal(err)
		}
		store, err := openStore(context.Background(), cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		h, err := store.Head(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return uint64(h)
	}
	pos := head()
	if code, _, stderr := runIn(t, []string{"seed", "--products", strconv.Itoa(n)}, env); code != exitOK || head() != pos {
		t.Fatalf("a re-run must replay: exit %d, head %d → %d\n%s", code, pos, head(), stderr)
	}

	// The direct count: oud within one edit of a term of any text field,
	// original, in stock.
	want := map[string]map[string]int{"category": {}, "brand": {}, "gender": {}, "vendor": {}}
	total := 0
	for _, it := range catalog.Generate(42, n) {
		d := it.Details
		text := []string{d.Name.English, d.Name.Arabic, d.Brand, d.InspiredBy}
		for _, l := range [][]string{d.Scent.Top, d.Scent.Heart, d.Scent.Base, d.Scent.Accords} {
			text = append(text, l...)
		}
		hit := false
		for _, w := range search.Terms(strings.Join(text, " ")) {
			hit = hit || levenshtein(w, "oud") <= search.Fuzziness("oud")
		}
		var stock int64
		for _, locs := range it.Stock {
			for _, q := range locs {
				stock += q
			}
		}
		if !hit || d.Origin != "original" || stock <= 0 {
			continue
		}
		total++
		want["category"][string(d.Category)]++
		want["brand"][d.Brand]++
		want["gender"][string(d.Gender)]++
		want["vendor"][string(it.VendorID)]++
	}
	if total == 0 {
		t.Fatal("the catalog has no original oud in stock: pick other filters")
	}

	addrs, stop := startInProcess(t, []string{"serve"}, map[string]string{
		"SOUQ_DATA_DIR": dir, "SOUQ_LOG_FORMAT": "json", "SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
		"SOUQ_READ_WAIT": "30s",
	})
	defer func() {
		if code := stop(); code != exitOK {
			t.Errorf("exit %d", code)
		}
	}()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addrs["read"]+"/v1/products/search?q=oud&type=original&in_stock=true&limit=100", nil)
	req.Header.Set("X-Souq-Min-Position", strconv.FormatUint(pos, 10))
	res, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Souq-Behind") != "" {
		t.Fatalf("search: %d behind=%q\n%s", res.StatusCode, res.Header.Get("X-Souq-Behind"), body)
	}
	var page search.Page
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	if page.Total != total || len(page.Hits) != total {
		t.Errorf("total %d (%d hits), the catalog counts %d", page.Total, len(page.Hits), total)
	}
	for facet, counts := range want {
		got := map[string]int{}
		for _, b := range page.Facets[facet] {
			got[b.Value] = b.Count
		}
		if fmt.Sprint(got) != fmt.Sprint(counts) {
			t.Errorf("facet %s: %v, the catalog counts %v", facet, got, counts)
		}
	}
	t.Logf("q=oud&type=original&in_stock=true: %d of %d products; brands %v", total, n, want["brand"])
}

// serve --demo seeds on first start only.
func TestDemoSeedsOnce(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Load(config.Source{Getenv: func(k string) string { return map[string]string{"SOUQ_DATA_DIR": dir}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	if err := seedDemo(context.Background(), cfg, logger); err != nil {
		t.Fatal(err)
	}
	store, err := openStore(context.Background(), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := store.Head(context.Background())
	store.Close()
	if first == 0 {
		t.Fatal("the demo wrote nothing")
	}
	if err := seedDemo(context.Background(), cfg, logger); err != nil {
		t.Fatal(err)
	}
	store, _ = openStore(context.Background(), cfg, logger)
	defer store.Close()
	if again, _ := store.Head(context.Background()); again != first {
		t.Fatalf("a second start seeded again: head %d → %d", first, again)
	}
}

func TestSeedFlags(t *testing.T) {
	n, seed, rest, err := seedFlags([]string{"--products=500", "-data-dir", "/tmp/x", "--seed", "7"})
	if err != nil || n != 500 || seed != 7 || strings.Join(rest, " ") != "-data-dir /tmp/x" {
		t.Fatalf("%d %d %v %v", n, seed, rest, err)
	}
	for _, bad := range [][]string{{}, {"--products", "0"}, {"--products", "x"}, {"--products", "5", "--seed", "-1"}, {"--products"}} {
		if _, _, _, err := seedFlags(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
