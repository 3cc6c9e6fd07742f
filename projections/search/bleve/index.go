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

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"

	"github.com/souq-market/souq/projections/search"
)

// Internal keys: records of the projector, and each searchable document as
// the hits return it.
const (
	recordPrefix = "r/"
	docPrefix    = "d/"
)

// Index is the Bleve search.Index. Writes go to the index of the current
// mapping version; reads go there too, unless an index of an older version
// was found at Open: it serves reads until Promote, while the projector of
// the new version builds the new one from position zero.
type Index struct {
	dir string

	mu    sync.RWMutex // Reset and Promote against everything else
	write bleve.Index
	read  bleve.Index // == write once promoted
	old   string      // directory of the index read until Promote
}

var _ search.Index = (*Index)(nil)

var versionDir = regexp.MustCompile(`^products-v([0-9]+)$`)

// Path is the directory of mapping version v under dir.
func Path(dir string, v int) string { return filepath.Join(dir, "products-v"+strconv.Itoa(v)) }

// Open opens (or creates) the index of search.MappingVersion under dir.
func Open(dir string) (*Index, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bleve: %w", err)
	}
	cur := Path(dir, search.MappingVersion)
	w, err := openOrCreate(cur)
	if err != nil {
		return nil, err
	}
	ix := &Index{dir: dir, write: w, read: w}
	// The newest older version keeps serving until Promote.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("bleve: %w", err), w.Close())
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
		if count, _ := w.DocCount(); count == 0 {
			r, err := bleve.Open(Path(dir, best))
			if err != nil {
				return nil, errors.Join(fmt.Errorf("bleve: open version %d: %w", best, err), w.Close())
			}
			ix.read, ix.old = r, Path(dir, best)
		}
	}
	return ix, nil
}

func openOrCreate(path string) (bleve.Index, error) {
	ix, err := bleve.Open(path)
	if err == nil {
		return ix, nil
	}
	if !errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		return nil, fmt.Errorf("bleve: open %s: %w", path, err)
	}
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	ix, err = bleve.New(path, m)
	if err != nil {
		return nil, fmt.Errorf("bleve: create %s: %w", path, err)
	}
	return ix, nil
}

// Pending reports whether an older index still serves reads.
func (ix *Index) Pending() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.old != ""
}

// Promote makes the current version's index serve reads and deletes the
// older one. Call it once the projector of the current version caught up.
func (ix *Index) Promote() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.old == "" {
		return nil
	}
	err := ix.read.Close()
	ix.read = ix.write
	old := ix.old
	ix.old = ""
	return errors.Join(err, os.RemoveAll(old))
}

// Close closes the indexes.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	err := ix.write.Close()
	if ix.read != ix.write {
		err = errors.Join(err, ix.read.Close())
	}
	return err
}

// Ping checks that the index answers.
func (ix *Index) Ping(ctx context.Context) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	_, err := ix.read.DocCount()
	return err
}

// Load reads records.
func (ix *Index) Load(ctx context.Context, keys []string) (map[string]search.Record, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make(map[string]search.Record, len(keys))
	for _, k := range keys {
		b, err := ix.write.GetInternal([]byte(recordPrefix + k))
		if err != nil {
			return nil, fmt.Errorf("bleve: load %s: %w", k, err)
		}
		if b == nil {
			continue
		}
		var r search.Record
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("bleve: load %s: %w", k, err)
		}
		out[k] = r
	}
	return out, nil
}

// Save writes records, and the documents of product records, in one batch.
func (ix *Index) Save(ctx context.Context, records []search.Record) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	b := ix.write.NewBatch()
	for _, r := range records {
		raw, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("bleve: save %s: %w", r.Key, err)
		}
		b.SetInternal([]byte(recordPrefix+r.Key), raw)
		if r.Product == nil {
			continue
		}
		id := r.Product.Doc.ID
		if id == "" {
			id = r.Key[len(search.ProductKey("")):]
		}
		if !r.Searchable() {
			b.Delete(id)
			b.DeleteInternal([]byte(docPrefix + id))
			continue
		}
		d := r.Product.Document()
		doc, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("bleve: save %s: %w", r.Key, err)
		}
		if err := b.Index(id, fields(d)); err != nil {
			return fmt.Errorf("bleve: index %s: %w", id, err)
		}
		b.SetInternal([]byte(docPrefix+id), doc)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ix.write.Batch(b); err != nil {
		return fmt.Errorf("bleve: batch: %w", err)
	}
	return nil
}

// Reset empties the current version's index.
func (ix *Index) Reset(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	path := Path(ix.dir, search.MappingVersion)
	promoted := ix.read == ix.write
	if err := ix.write.Close(); err != nil {
		return fmt.Errorf("bleve: reset: %w", err)
	}
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("bleve: reset: %w", err)
	}
	w, err := openOrCreate(path)
	if err != nil {
		return err
	}
	ix.write = w
	if promoted {
		ix.read = w
	}
	return nil
}

// document reads the stored document of a hit.
func document(ix bleve.Index, id string) (search.Document, error) {
	b, err := ix.GetInternal([]byte(docPrefix + id))
	if err != nil {
		return search.Document{}, fmt.Errorf("bleve: document %s: %w", id, err)
	}
	var d search.Document
	if b == nil {
		return d, fmt.Errorf("bleve: document %s is indexed but not stored", id)
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("bleve: document %s: %w", id, err)
	}
	return d, nil
}

// keys is a hit's sort key for a cursor. Bleve reports the score's place
// as "_score" and takes the score itself back in SearchAfter, so the score
// goes in, exactly (shortest round-tripping form).
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
