package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/orders/orderq"
	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/scent/memindex"
	"github.com/souq-market/souq/projections/scent/projector"
	"github.com/souq-market/souq/projections/scent/qdrant"
)

// scentSide is scent match's wiring: the vector index (in process, or
// Qdrant when SOUQ_QDRANT_URL is set), its projector and its reader.
type scentSide struct {
	cfg   config.Config
	log   *slog.Logger
	index scent.Index
	// inProcess: the index lives in this process's memory, so it starts
	// empty and its projector must start from position zero.
	inProcess bool
	close     func() error
}

func openScent(ctx context.Context, cfg config.Config, logger *slog.Logger) (*scentSide, error) {
	s := &scentSide{cfg: cfg, log: logger.With(slog.String("component", "scent")), close: func() error { return nil }}
	if cfg.QdrantURL == "" {
		s.index, s.inProcess = memindex.New(scent.Dim), true
		return s, nil
	}
	ix, err := qdrant.Open(ctx, cfg.QdrantURL, qdrant.Collection(scent.VectorVersion), scent.Dim)
	if err != nil {
		return nil, fmt.Errorf("scent: %w", err)
	}
	s.index, s.close = ix, ix.Close
	return s, nil
}

// projector is the scent projector for the runner.
func (s *scentSide) projector(reg *eventstore.Registry) (projections.Projector, error) {
	return projector.New(s.index, reg)
}

// rewind puts the projector's checkpoint back to zero when the index is in
// process (it was lost with the last process); call it before the runner
// runs, in the processes that run the projectors.
func (s *scentSide) rewind(ctx context.Context, r *projections.Runner) error {
	if !s.inProcess {
		return nil
	}
	s.log.Info("scent index in process: rebuilding from the event log")
	return r.Reset(ctx, scent.View())
}

// reader is the read API's scent reader; purchases come from the orders
// view.
func (s *scentSide) reader(orders *orderq.Reader) *scent.Reader {
	rd := scent.NewReader(s.index, scent.DefaultRules(s.cfg.Brands()...), purchases(orders))
	if s.cfg.EmbedderURL != "" {
		// The embedder alone is not enough: product image embeddings are not
		// indexed yet, so image match stays off rather than answer from an
		// empty index (see the report of issue 6).
		s.log.Warn("SOUQ_EMBEDDER_URL is set but product image embeddings are not indexed yet: image similarity stays off")
	}
	return rd
}

func (s *scentSide) check() httpx.Check {
	return httpx.Check{Name: "scent", Fn: s.index.Ping}
}

// purchases reads a customer's purchases from the orders view: the lines
// of their latest 50 orders that were paid and not cancelled.
func purchases(orders *orderq.Reader) scent.Purchases {
	return func(ctx context.Context, customer string) ([]scent.Purchase, error) {
		list, _, err := orders.List(ctx, orderq.Filter{Customer: customer}, nil, 50)
		if err != nil {
			return nil, err
		}
		var out []scent.Purchase
		for _, o := range list {
			if o.Status == "placed" || o.Status == "cancelled" {
				continue
			}
			d, err := orders.Get(ctx, o.OrderID)
			if err != nil {
				return nil, err
			}
			var lines []order.PricedLine
			if err := json.Unmarshal(d.Lines, &lines); err != nil {
				return nil, fmt.Errorf("order %s lines: %w", o.OrderID, err)
			}
			for _, l := range lines {
				out = append(out, scent.Purchase{ProductID: string(l.ProductID), At: o.PlacedAt})
			}
		}
		return out, nil
	}
}

// allProjectors opens scent match and returns the read projectors with the
// scent projector after them.
func (rs *readSide) allProjectors(ctx context.Context, reg *eventstore.Registry) ([]projections.Projector, error) {
	s, err := openScent(ctx, rs.cfg, rs.log)
	if err != nil {
		return nil, err
	}
	rs.scent = s
	p, err := s.projector(reg)
	if err != nil {
		return nil, err
	}
	return append(readProjectors(reg), p), nil
}

// closeScent closes the scent index, if it was opened.
func (rs *readSide) closeScent() error {
	if rs.scent == nil {
		return nil
	}
	return rs.scent.close()
}

// rewindScent runs before the projectors do: see scentSide.rewind.
func (rs *readSide) rewindScent(ctx context.Context) {
	if rs.scent == nil {
		return
	}
	if err := rs.scent.rewind(ctx, rs.runner); err != nil {
		rs.log.Error("scent: rewinding the in-process index failed; similar products may be stale until a restart", slog.String("error", err.Error()))
	}
}

// scentReader is the read API's scent reader, nil when scent is not open.
func (rs *readSide) scentReader(orders *orderq.Reader) *scent.Reader {
	if rs.scent == nil {
		return nil
	}
	return rs.scent.reader(orders)
}
