package bleve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	bolt "go.etcd.io/bbolt"

	"github.com/souq-market/souq/projections/search"
)

// Buckets of the records file beside each index: the projector's records,
// and each searchable document as hits return it. They live in bbolt rather
// than in Bleve's internal store, which scorch rewrites whole with every
// persisted snapshot (quadratic as the catalog grows).
var (
	recordBucket = []byte("records")
	docBucket    = []byte("documents")
)

// Index is the Bleve search.Index. Writes go to the index of the current
// mapping version; reads go there too, unless an index of an older version
// was found at Open: it serves reads until Promote, while the projector of
// the new version builds the new one from position zero.
//
// Save writes the records first (one bbolt transaction, synced), then the
// documents (one Bleve batch, waited for until persisted). A crash between
// the two leaves records ahead of documents; the redelivered batch finds
// its events stale but recomputes and re-indexes every product it touches,
// which heals it.
type Index struct {
	dir string

	mu    sync.RWMutex // Reset and Promote against everything else
	write *store
	read  *store // == write once promoted
}

// store is one mapping version: its Bleve index, its records file and
// the facet columns of its documents (facets.go), loaded at open.
type store struct {
	path   string
	ix     bleve.Index
	db     *bolt.DB
	facets *facets
}

func (s *store) close() error { return errors.Join(s.ix.Close(), s.db.Close()) }

func (s *store) remove() error { return errors.Join(os.RemoveAll(s.path), os.Remove(s.path+".bolt")) }

var _ search.Index = (*Index)(nil)

var versionDir = regexp.MustCompile(`^products-v([0-9]+)$`)

// Path is the directory of mapping version v under dir.
func Path(dir string, v int) string { return filepath.Join(dir, "products-v"+strconv.Itoa(v)) }

// Open opens (or creates) the index of search.MappingVersion under dir.
func Open(dir string) (*Index, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bleve: %w", err)
	}
	w, err := openStore(Path(dir, search.MappingVersion), true)
	if err != nil {
		return nil, err
	}
	ix := &Index{dir: dir, write: w, read: w}
	// The newest older version keeps serving until Promote.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("bleve: %w", err), w.close())
	}
	best := -1
	for _, e := range entries {
		if m := versionDir.FindStringSubmatch(e.Name()); m != nil {
			if v, _ := strconv.Atoi(m[1]); v < search.MappingVersion && v > best {
				best = v
			}
		}
	}
	if best >= 0 {
		if count, _ := w.ix.DocCount(); count == 0 {
			r, err := openStore(Path(dir, best), false)
			if err != nil {
				return nil, errors.Join(fmt.Errorf("bleve: open version %d: %w", best, err), w.close())
			}
			ix.read = r
		}
	}
	return ix, nil
}

func openStore(path string, create bool) (*store, error) {
	ix, err := bleve.Open(path)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) && create {
		var m *mapping.IndexMappingImpl
		if m, err = newMapping(); err != nil {
			return nil, err
		}
		ix, err = bleve.New(path, m)
	}
	if err != nil {
		return nil, fmt.Errorf("bleve: open %s: %w", path, err)
	}
	db, err := bolt.Open(path+".bolt", 0o644, &bolt.Options{Timeout: 5 * time.Second})
	if err == nil {
		err = db.Update(func(tx *bolt.Tx) error {
			_, err1 := tx.CreateBucketIfNotExists(recordBucket)
			_, err2 := tx.CreateBucketIfNotExists(docBucket)
			return errors.Join(err1, err2)
		})
	}
	fc := newFacets()
	if err == nil {
		err = db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(docBucket).ForEach(func(_, raw []byte) error {
				var d search.Document
				if err := json.Unmarshal(raw, &d); err != nil {
					return err
				}
				fc.put(d)
				return nil
			})
		})
		if err != nil && db != nil {
			err = errors.Join(err, db.Close())
		}
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("bleve: records of %s: %w", path, err), ix.Close())
	}
	return &store{path: path, ix: ix, db: db, facets: fc}, nil
}

// Pending reports whether an older index still serves reads.
func (ix *Index) Pending() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.read != ix.write
}

// Promote makes the current version's index serve reads and deletes the
// older one. Call it once the projector of the current version caught up.
func (ix *Index) Promote() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.read == ix.write {
		return nil
	}
	old := ix.read
	ix.read = ix.write
	return errors.Join(old.close(), old.remove())
}

// Close closes the indexes.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	err := ix.write.close()
	if ix.read != ix.write {
		err = errors.Join(err, ix.read.close())
	}
	return err
}

// Ping checks that the index answers.
func (ix *Index) Ping(ctx context.Context) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	_, err := ix.read.ix.DocCount()
	return err
}

// Load reads records.
func (ix *Index) Load(ctx context.Context, keys []string) (map[string]search.Record, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make(map[string]search.Record, len(keys))
	err := ix.write.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(recordBucket)
		for _, k := range keys {
			raw := b.Get([]byte(k))
			if raw == nil {
				continue
			}
			var r search.Record
			if err := json.Unmarshal(raw, &r); err != nil { // copies out of the transaction's memory
				return fmt.Errorf("bleve: load %s: %w", k, err)
			}
			out[k] = r
		}
		return nil
	})
	return out, err
}

// Save writes records, then the documents of product records.
func (ix *Index) Save(ctx context.Context, records []search.Record) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	b := ix.write.ix.NewBatch()
	var put []search.Document
	var removed []string
	err := ix.write.db.Update(func(tx *bolt.Tx) error {
		rb, db := tx.Bucket(recordBucket), tx.Bucket(docBucket)
		for _, r := range records {
			raw, err := json.Marshal(r)
			if err != nil {
				return fmt.Errorf("bleve: save %s: %w", r.Key, err)
			}
			if err := rb.Put([]byte(r.Key), raw); err != nil {
				return fmt.Errorf("bleve: save %s: %w", r.Key, err)
			}
			if r.Product == nil {
				continue
			}
			id := r.Key[len(search.ProductKey("")):]
			if !r.Searchable() {
				removed = append(removed, id)
				b.Delete(id)
				if err := db.Delete([]byte(id)); err != nil {
					return fmt.Errorf("bleve: save %s: %w", r.Key, err)
				}
				continue
			}
			d := r.Product.Document()
			d.ID = id
			doc, err := json.Marshal(d)
			if err != nil {
				return fmt.Errorf("bleve: save %s: %w", r.Key, err)
			}
			if err := b.Index(id, fields(d)); err != nil {
				return fmt.Errorf("bleve: index %s: %w", id, err)
			}
			if err := db.Put([]byte(id), doc); err != nil {
				return fmt.Errorf("bleve: save %s: %w", r.Key, err)
			}
			put = append(put, d)
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	// Bleve acknowledges a batch once searchable, before it is on disk; the
	// runner saves its checkpoint when Save returns, so Save waits for the
	// disk, or a crash would leave the checkpoint ahead of the index.
	persisted := make(chan error, 1)
	b.SetPersistedCallback(func(err error) { persisted <- err })
	if err := ix.write.ix.Batch(b); err != nil {
		return fmt.Errorf("bleve: batch: %w", err)
	}
	select {
	case err := <-persisted:
		if err != nil {
			return fmt.Errorf("bleve: persist: %w", err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	// The facet columns follow Bleve, a batch behind it for an instant.
	for _, id := range removed {
		ix.write.facets.remove(id)
	}
	for _, d := range put {
		ix.write.facets.put(d)
	}
	return nil
}

// Reset empties the current version's index.
func (ix *Index) Reset(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	promoted := ix.read == ix.write
	if err := errors.Join(ix.write.close(), ix.write.remove()); err != nil {
		return fmt.Errorf("bleve: reset: %w", err)
	}
	w, err := openStore(ix.write.path, true)
	if err != nil {
		return err
	}
	ix.write = w
	if promoted {
		ix.read = w
	}
	return nil
}

// documents reads the stored documents of hits, in order.
func (s *store) documents(ids []string) ([]search.Document, error) {
	out := make([]search.Document, 0, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(docBucket)
		for _, id := range ids {
			raw := b.Get([]byte(id))
			if raw == nil {
				return fmt.Errorf("bleve: document %s is indexed but not stored", id)
			}
			var d search.Document
			if err := json.Unmarshal(raw, &d); err != nil {
				return fmt.Errorf("bleve: document %s: %w", id, err)
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

func keys(h *bsearch.DocumentMatch) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(h.Sort))
	for _, s := range h.Sort {
		if s == "_score" {
			s = strconv.FormatFloat(h.Score, 'g', -1, 64)
		}
		b, _ := json.Marshal(s) // a string always marshals
		out = append(out, b)
	}
	return out
}

func unkeys(after []json.RawMessage) ([]string, error) {
	out := make([]string, 0, len(after))
	for _, raw := range after {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("bleve: cursor: %w", err)
		}
		out = append(out, s)
	}
	return slices.Clip(out), nil
}

// Raw is the Bleve index reads go to, for the benchmark's baseline.
func (ix *Index) Raw() bleve.Index {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.read.ix
}
