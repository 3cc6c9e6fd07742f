package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/search"
	"github.com/souq-market/souq/projections/search/bleve"
	"github.com/souq-market/souq/projections/search/elastic"
	"github.com/souq-market/souq/projections/search/projector"
)

// searchSide is product search's wiring: the index (Bleve in <data>/search,
// or Elasticsearch when SOUQ_ELASTICSEARCH_URL is set), its projector in
// the runner, the read API's Searcher, readiness, and the promotion of a
// new mapping version once its projector caught up.
type searchSide struct {
	log       *slog.Logger
	index     *lazyIndex
	projector *projector.Projector
}

// versioned is what both adapters offer beside search.Index.
type versioned interface {
	search.Index
	Pending() bool
	Promote(ctx context.Context) error
	Close() error
}

// bleveIndex gives the Bleve index the context-taking Promote.
type bleveIndex struct{ *bleve.Index }

func (b bleveIndex) Promote(context.Context) error { return b.Index.Promote() }

func openSearch(ctx context.Context, cfg config.Config, logger *slog.Logger, reg *eventstore.Registry) (*searchSide, error) {
	s := &searchSide{log: logger.With(slog.String("component", "search"))}
	if cfg.ElasticsearchURL == "" {
		dir := filepath.Join(cfg.DataDir, "search")
		// Opened on first use: Bleve's files belong to one process, and the
		// operator CLI (souq projections list) opens the read side beside a
		// running server without ever touching the index.
		s.index = &lazyIndex{open: func(context.Context) (versioned, error) {
			ix, err := bleve.Open(dir)
			if err != nil {
				return nil, err
			}
			return bleveIndex{ix}, nil
		}}
	} else {
		s.index = &lazyIndex{open: func(ctx context.Context) (versioned, error) {
			return elastic.Open(ctx, elastic.Options{URL: cfg.ElasticsearchURL, Alias: cfg.ElasticsearchAlias})
		}}
	}
	p, err := projector.New(search.View(), s.index, reg)
	if err != nil {
		return nil, err
	}
	s.projector = p
	return s, nil
}

// promoteWhenCaughtUp swaps a new mapping version in once its projector
// trails the store by nothing; it returns at once when nothing is pending.
func (s *searchSide) promoteWhenCaughtUp(ctx context.Context, r *projections.Runner) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		ix, err := s.index.get(ctx)
		if err == nil && !ix.Pending() {
			return
		}
		if err == nil {
			var st []projections.Status
			if st, err = r.Status(ctx); err == nil {
				for _, x := range st {
					if x.Name == search.View() && x.LagEvents == 0 && x.Head > 0 {
						if err = ix.Promote(ctx); err == nil {
							s.log.Info("search: the new mapping version caught up and serves reads", slog.String("view", search.View()))
							return
						}
					}
				}
			}
		}
		if err != nil && ctx.Err() == nil {
			s.log.Warn("search: promoting the new mapping version", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *searchSide) check() httpx.Check {
	return httpx.Check{Name: "search", Fn: s.index.Ping}
}

// Close closes the index if it was opened.
func (s *searchSide) Close() error {
	if s == nil {
		return nil
	}
	return s.index.Close()
}

// lazyIndex opens its index on first use and keeps it; a failed open is
// retried by the next use (Elasticsearch may start after souq).
type lazyIndex struct {
	open func(context.Context) (versioned, error)
	mu   sync.Mutex
	ix   versioned
}

var _ search.Index = (*lazyIndex)(nil)

func (l *lazyIndex) get(ctx context.Context) (versioned, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ix == nil {
		ix, err := l.open(ctx)
		if err != nil {
			return nil, fmt.Errorf("search index: %w", err)
		}
		l.ix = ix
	}
	return l.ix, nil
}

func (l *lazyIndex) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ix == nil {
		return nil
	}
	err := l.ix.Close()
	l.ix = nil
	return err
}

func (l *lazyIndex) Search(ctx context.Context, q search.Query) (search.Page, error) {
	ix, err := l.get(ctx)
	if err != nil {
		return search.Page{}, err
	}
	return ix.Search(ctx, q)
}

func (l *lazyIndex) Suggest(ctx context.Context, q search.Suggest) ([]search.Suggestion, error) {
	ix, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return ix.Suggest(ctx, q)
}

func (l *lazyIndex) Ping(ctx context.Context) error {
	ix, err := l.get(ctx)
	if err != nil {
		return err
	}
	return ix.Ping(ctx)
}

func (l *lazyIndex) Load(ctx context.Context, keys []string) (map[string]search.Record, error) {
	ix, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return ix.Load(ctx, keys)
}

func (l *lazyIndex) Save(ctx context.Context, records []search.Record) error {
	ix, err := l.get(ctx)
	if err != nil {
		return err
	}
	return ix.Save(ctx, records)
}

func (l *lazyIndex) Reset(ctx context.Context) error {
	ix, err := l.get(ctx)
	if err != nil {
		return err
	}
	return ix.Reset(ctx)
}
