package scent

import (
	"context"
	"errors"
	"strconv"
)

// View is the name of the projector feeding the index of VectorVersion:
// its checkpoint key, and what a read waits for on X-Souq-Min-Position.
func View() string { return "scent-v" + strconv.Itoa(VectorVersion) }

// Payload is what the index keeps beside a product's vector: what filters
// and the business rules read.
type Payload struct {
	Vendor   string           `json:"vendor"`
	Brand    string           `json:"brand"`
	Category string           `json:"category"`
	Gender   string           `json:"gender"`
	Top      []string         `json:"top,omitempty"` // top notes, as listed
	Prices   map[string]int64 `json:"prices"`        // currency → lowest price, minor units
	InStock  bool             `json:"in_stock"`
}

// Point is one product in the index. Revision is the product stream's
// revision the point was computed at; Deleted marks a tombstone (a product
// off sale), which queries never find but which still holds its revision so
// that a stale upsert cannot bring the product back.
type Point struct {
	ID       string  `json:"id"`
	Revision uint64  `json:"revision"`
	Vector   Vector  `json:"vector,omitempty"`
	Payload  Payload `json:"payload"`
	Deleted  bool    `json:"deleted,omitempty"`
}

// Filter narrows a query; zero fields do not filter.
type Filter struct {
	Category string
	Gender   string
	Brand    string
	InStock  bool // only products in stock
	// TopAny keeps products with at least one of these top notes
	// (compared after Normalize).
	TopAny  []string
	Exclude []string // product IDs never returned (the query product itself)
}

// Query is a top-k query by cosine.
type Query struct {
	Vector Vector
	K      int
	Filter Filter
}

// Hit is a found product with its cosine to the query.
type Hit struct {
	Point
	Score float64 `json:"score"`
}

// Index is a vector store of scent points, as the projector and the Reader
// see it. Every adapter passes scenttest.
type Index interface {
	// Upsert writes points (tombstones included) in one batch. A point
	// whose Revision is older than the stored one's is skipped: a stale
	// revision never overwrites a newer one. An equal revision overwrites,
	// so derived payload (stock) can change without a new product event.
	Upsert(ctx context.Context, points []Point) error
	// Get returns the live points among ids (not tombstones); absent ids
	// are absent.
	Get(ctx context.Context, ids []string) (map[string]Point, error)
	// Search returns the K live points nearest q.Vector by cosine that pass
	// q.Filter, best first, ties by ID.
	Search(ctx context.Context, q Query) ([]Hit, error)
	// LoadState and SaveState keep the projector's bookkeeping (opaque
	// records by key) beside the points, so it survives with them.
	LoadState(ctx context.Context, keys []string) (map[string][]byte, error)
	SaveState(ctx context.Context, records map[string][]byte) error
	// Reset empties the index (points and state).
	Reset(ctx context.Context) error
	// Ping reports whether the backend answers, for /readyz.
	Ping(ctx context.Context) error
}

// ErrDimension: a vector of the wrong length was given to an index.
var ErrDimension = errors.New("scent: vector of the wrong dimension")
