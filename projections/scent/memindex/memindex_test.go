package memindex_test

import (
	"testing"

	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/scent/memindex"
	"github.com/souq-market/souq/projections/scent/scenttest"
)

func TestAcceptance(t *testing.T) {
	scenttest.Run(t, func(t *testing.T) scent.Index { return memindex.New(scent.Dim) })
}
