package bleve_test

import (
	"testing"

	"github.com/souq-market/souq/projections/search"
	"github.com/souq-market/souq/projections/search/bleve"
	"github.com/souq-market/souq/projections/search/searchtest"
)

func TestAcceptance(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Index {
		ix, err := bleve.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		return ix
	})
}
