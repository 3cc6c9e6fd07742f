package projector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/search"
	searchprojector "github.com/souq-market/souq/projections/search/projector"
)

// Fetch reads an image blob by its key. A blob that is not there is an
// error wrapping ErrNoImage.
type Fetch func(ctx context.Context, key string) (scent.Image, error)

// ErrNoImage: the blob a product names is not in the store.
var ErrNoImage = errors.New("scent projector: no such image")

// NewImages returns the image projector named scent.ImageView(): each
// product on sale gets a point in ix (of dimension scent.ImageDim) whose
// vector is the embedding of its main image (the first it lists) and
// whose payload is its scent point's, for the same rules.
//
// An image is embedded once per blob key: the embedding is kept under
// "embedding:<key>" in cache — ix's own state when nil, or a store that
// outlives an index kept in memory — so a replay, a stock change or a
// second product naming the same blob reads it back instead of calling
// the model.
// A product without images, whose blob is missing, or whose image the
// model refuses (scent.ErrImageRefused) gets a tombstone: image match
// cannot find it. A missing blob is looked for again with the product's
// next change; a refusal is remembered per key, so only an update naming
// another image brings the product back. Any other
// failure of the model or the store fails the batch, which the runner
// retries; this projector has its own checkpoint, so an outage of the
// model holds back image match only, never similar products.
func NewImages(ix scent.Index, embedder scent.Embedder, fetch Fetch, cache States, registry *eventstore.Registry) (*searchprojector.Projector, error) {
	if ix == nil || embedder == nil || fetch == nil {
		return nil, errors.New("image projector: an index, an embedder and a blob fetch are needed")
	}
	if cache == nil {
		cache = ix
	}
	im := &images{cache: cache, embedder: embedder, fetch: fetch}
	return searchprojector.New(scent.ImageView(), &Sink{Index: ix, Points: im.points}, registry)
}

// States keeps opaque records by key, as a scent.Index keeps its state.
type States interface {
	LoadState(ctx context.Context, keys []string) (map[string][]byte, error)
	SaveState(ctx context.Context, records map[string][]byte) error
}

type images struct {
	cache    States
	embedder scent.Embedder
	fetch    Fetch
}

// EmbeddingKey is the state key of a blob's embedding.
func EmbeddingKey(blobKey string) string { return "embedding:" + blobKey }

func (im *images) points(ctx context.Context, products []*search.ProductState) ([]scent.Point, error) {
	var keys []string
	for _, p := range products {
		if len(p.Images) > 0 {
			keys = append(keys, EmbeddingKey(p.Images[0]))
		}
	}
	known, err := im.cache.LoadState(ctx, keys)
	if err != nil {
		return nil, err
	}
	fresh := map[string][]byte{}
	points := make([]scent.Point, 0, len(products))
	for _, p := range products {
		pt := Point(p)
		if pt.Deleted {
			points = append(points, pt)
			continue
		}
		pt.Vector = nil
		if len(p.Images) > 0 {
			key := EmbeddingKey(p.Images[0])
			raw, ok := known[key]
			if !ok {
				raw, ok = fresh[key]
			}
			if !ok {
				v, err := im.embed(ctx, p.Images[0])
				switch {
				case errors.Is(err, ErrNoImage): // not remembered: the blob may come
				case err != nil:
					return nil, fmt.Errorf("image projector: product %s: %w", pt.ID, err)
				default:
					if raw, err = json.Marshal(v); err != nil {
						return nil, err
					}
					fresh[key] = raw
				}
			}
			if len(raw) > 0 && string(raw) != "null" {
				if err := json.Unmarshal(raw, &pt.Vector); err != nil {
					return nil, fmt.Errorf("image projector: %s: %w", key, err)
				}
			}
		}
		if len(pt.Vector) != scent.ImageDim {
			pt = scent.Point{ID: pt.ID, Revision: pt.Revision, Deleted: true}
		}
		points = append(points, pt)
	}
	// Embeddings before points: should the upsert fail, the batch comes
	// again and finds them.
	if err := im.cache.SaveState(ctx, fresh); err != nil {
		return nil, err
	}
	return points, nil
}

// embed returns the embedding of the blob at key, or nil when the model
// refuses the image — remembered like an embedding, so a refused image is
// not sent again with every stock change.
func (im *images) embed(ctx context.Context, key string) (scent.Vector, error) {
	img, err := im.fetch(ctx, key)
	if err != nil {
		return nil, err
	}
	v, err := im.embedder.Embed(ctx, img)
	if errors.Is(err, scent.ErrImageRefused) || domain.KindOf(err) == domain.Invalid {
		return nil, nil
	}
	return v, err
}
