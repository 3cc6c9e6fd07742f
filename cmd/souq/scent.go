package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/orders/orderq"
	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/scent/boltstate"
	"github.com/souq-market/souq/projections/scent/memindex"
	"github.com/souq-market/souq/projections/scent/projector"
	"github.com/souq-market/souq/projections/scent/qdrant"
)

// scentSide is scent match's wiring: the vector index (in process, or
// Qdrant when SOUQ_QDRANT_URL is set), its projector and its reader; with
// SOUQ_EMBEDDER_URL, the index of product image embeddings beside it (in
// the same place), the image projector and the embedder.
type scentSide struct {
	cfg   config.Config
	log   *slog.Logger
	index scent.Index
	// images and embedder are nil without SOUQ_EMBEDDER_URL: image
	// similarity is off.
	images   scent.Index
	embedder scent.Embedder
	// embeddings outlive the in-process image index (a file in the data
	// dir), so a restart does not ask the model for every image again;
	// nil with Qdrant, whose image collection keeps them.
	embeddings projector.States
	// imaging: the image projector runs (it needs the blob store).
	imaging bool
	// inProcess: the indexes live in this process's memory, so they start
	// empty and their projectors must start from position zero.
	inProcess bool
	close     func() error
}

func openScent(ctx context.Context, cfg config.Config, logger *slog.Logger) (*scentSide, error) {
	s := &scentSide{cfg: cfg, log: logger.With(slog.String("component", "scent")), close: func() error { return nil }}
	if cfg.EmbedderURL != "" {
		s.embedder = scent.NewHTTPEmbedder(cfg.EmbedderURL)
	}
	if cfg.QdrantURL == "" {
		s.index, s.inProcess = memindex.New(scent.Dim), true
		if s.embedder != nil {
			path := filepath.Join(cfg.DataDir, fmt.Sprintf("image-embeddings-v%d.bolt", scent.ImageVersion))
			st, err := boltstate.Open(path)
			if err != nil {
				return nil, fmt.Errorf("scent images: %w", err)
			}
			s.images, s.embeddings, s.close = memindex.New(scent.ImageDim), st, st.Close
		}
		return s, nil
	}
	ix, err := qdrant.Open(ctx, cfg.QdrantURL, qdrant.Collection(scent.VectorVersion), scent.Dim)
	if err != nil {
		return nil, fmt.Errorf("scent: %w", err)
	}
	s.index, s.close = ix, ix.Close
	if s.embedder != nil {
		im, err := qdrant.Open(ctx, cfg.QdrantURL, qdrant.ImageCollection(scent.ImageVersion), scent.ImageDim)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("scent images: %w", err), ix.Close())
		}
		s.images, s.close = im, func() error { return errors.Join(ix.Close(), im.Close()) }
	}
	return s, nil
}

// imageProjector embeds product images read from blobs; nil without an
// embedder, or without a blob store to read them from.
func (s *scentSide) imageProjector(reg *eventstore.Registry, blobs blob.Store) (projections.Projector, error) {
	if s.images == nil {
		return nil, nil
	}
	if blobs == nil {
		s.log.Warn("SOUQ_EMBEDDER_URL is set but this process has no blob store to read product images from: image similarity stays off")
		return nil, nil
	}
	s.imaging = true
	return projector.NewImages(s.images, s.embedder, imageFetch(blobs), s.embeddings, reg)
}

// imageFetch reads a product image from the blob store, at most the size
// the store accepts for one.
func imageFetch(blobs blob.Store) projector.Fetch {
	rule, _ := blob.Rules(blob.ProductImage)
	return func(ctx context.Context, key string) (scent.Image, error) {
		r, info, err := blobs.Get(ctx, key)
		if errors.Is(err, blob.ErrNotFound) {
			return scent.Image{}, fmt.Errorf("%w: %s", projector.ErrNoImage, key)
		}
		if err != nil {
			return scent.Image{}, err
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, rule.MaxSize+1))
		if err != nil {
			return scent.Image{}, fmt.Errorf("blob %s: %w", key, err)
		}
		if int64(len(data)) > rule.MaxSize {
			return scent.Image{}, fmt.Errorf("%w: %s is larger than a product image may be", projector.ErrNoImage, key)
		}
		return scent.Image{Data: data, ContentType: info.ContentType}, nil
	}
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
	if s.imaging {
		// Its points were lost with the process too; the embeddings were
		// not (s.embeddings): the rebuild reads them back.
		if err := r.Reset(ctx, scent.ImageView()); err != nil {
			return err
		}
	}
	return r.Reset(ctx, scent.View())
}

// reader is the read API's scent reader; purchases come from the orders
// view.
func (s *scentSide) reader(orders *orderq.Reader) *scent.Reader {
	rd := scent.NewReader(s.index, scent.DefaultRules(s.cfg.Brands()...), purchases(orders))
	switch {
	case s.images != nil && (s.imaging || !s.inProcess):
		// On with the embedder, where the index gets embeddings: this
		// process's image projector, or (Qdrant) the one of the process
		// running the projectors.
		rd.Images, rd.Embedder = s.images, s.embedder
	case s.images != nil:
		s.log.Warn("image similarity stays off: no image projector fills the in-process index")
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
func (rs *readSide) allProjectors(ctx context.Context, reg *eventstore.Registry, bs *blobSide) ([]projections.Projector, error) {
	s, err := openScent(ctx, rs.cfg, rs.log)
	if err != nil {
		return nil, err
	}
	rs.scent = s
	p, err := s.projector(reg)
	if err != nil {
		return nil, err
	}
	all := append(readProjectors(reg), p)
	var blobs blob.Store
	if bs != nil {
		blobs = bs.store
	}
	if ip, err := s.imageProjector(reg, blobs); err != nil || ip != nil {
		return append(all, ip), err
	}
	return all, nil
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
