package search

import "context"

// Searcher answers queries; readers depend on this alone.
type Searcher interface {
	Search(ctx context.Context, q Query) (Page, error)
	Suggest(ctx context.Context, s Suggest) ([]Suggestion, error)
	// Ping reports whether the backend answers, for /readyz.
	Ping(ctx context.Context) error
}

// Index is a search backend as the projector sees it: Searcher plus the
// records it keeps. Save writes records in one batch: a searchable record
// (Record.Searchable) is indexed as its Document, any other product record
// is removed from what queries find (a delisted product keeps its record as
// a tombstone, so a stale event cannot bring it back), and every record is
// kept for Load. After Save returns, Search sees the change.
type Index interface {
	Searcher
	// Load returns the stored records among keys; absent keys are absent.
	Load(ctx context.Context, keys []string) (map[string]Record, error)
	Save(ctx context.Context, records []Record) error
	// Reset empties the index (documents and records).
	Reset(ctx context.Context) error
}
