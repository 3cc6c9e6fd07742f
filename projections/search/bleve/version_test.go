package bleve_test

import (
	"context"
	"os"
	"testing"

	"github.com/souq-market/souq/projections/search"
	"github.com/souq-market/souq/projections/search/bleve"
	"github.com/souq-market/souq/projections/search/projector"
	"github.com/souq-market/souq/projections/search/searchtest"
)

// A mapping change: the index of the older version keeps answering while
// the new one is built, then Promote swaps them and removes the old one.
func TestVersionSwap(t *testing.T) {
	dir := t.TempDir()
	m := searchtest.Fixture(30)
	build := func(ix *bleve.Index) {
		p, err := projector.New(search.View(), ix, searchtest.Registry())
		if err != nil {
			t.Fatal(err)
		}
		searchtest.Feed(t, p, m.Log.Events, 50)
	}
	total := func(ix *bleve.Index) int {
		page, err := ix.Search(context.Background(), search.Query{Currency: "AED", Sort: search.Relevance, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return page.Total
	}
	ix, err := bleve.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	build(ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// Pretend what was built is an older mapping version.
	cur, old := bleve.Path(dir, search.MappingVersion), bleve.Path(dir, search.MappingVersion-1)
	if err := os.Rename(cur, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(cur+".bolt", old+".bolt"); err != nil {
		t.Fatal(err)
	}

	ix, err = bleve.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if !ix.Pending() || total(ix) != 30 {
		t.Fatalf("while the new version is empty the old one must answer: pending %v, total %d", ix.Pending(), total(ix))
	}
	build(ix)
	if err := ix.Promote(); err != nil {
		t.Fatal(err)
	}
	if ix.Pending() || total(ix) != 30 {
		t.Fatalf("after promote: pending %v, total %d", ix.Pending(), total(ix))
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Fatalf("the old version is still on disk: %v", err)
	}
}
