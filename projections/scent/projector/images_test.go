package projector_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/scent/memindex"
	"github.com/souq-market/souq/projections/scent/projector"
	"github.com/souq-market/souq/projections/search/catalog"
	"github.com/souq-market/souq/projections/search/searchtest"
)

// model is a stub of a CLIP-style service speaking the HTTPEmbedder's
// shape: the embedding of an image is a function of its bytes; images
// whose bytes begin "bad" are refused with a 422; while down, it answers
// 503. It counts the images it embedded, by content.
type model struct {
	mu    sync.Mutex
	down  bool
	calls map[string]int
}

func embedding(data []byte) []float32 {
	v := make([]float32, scent.ImageDim)
	h := fnv.New64a()
	h.Write(data)
	x := h.Sum64()
	for i := range 8 {
		v[(x>>(8*i))%scent.ImageDim] += float32(i + 1)
	}
	return v
}

func (m *model) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Inputs []struct {
			Image string `json:"image"`
		} `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Inputs) != 1 {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	data, _ := base64.StdEncoding.DecodeString(req.Inputs[0].Image)
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.down:
		http.Error(w, "loading", http.StatusServiceUnavailable)
		return
	case strings.HasPrefix(string(data), "bad"):
		m.calls[string(data)]++
		http.Error(w, "cannot decode image", http.StatusUnprocessableEntity)
		return
	}
	m.calls[string(data)]++
	_ = json.NewEncoder(w).Encode(map[string]any{"model": "stub", "dim": scent.ImageDim, "embeddings": [][]float32{embedding(data)}})
}

func (m *model) count() (n int, most int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.calls {
		n += c
		most = max(most, c)
	}
	return n, most
}

func TestImages(t *testing.T) {
	ctx := context.Background()
	fx := searchtest.Fixture(40)
	// Blobs: the catalog names one main image per product. Every seventh
	// is missing from the store, every eleventh is refused by the model;
	// products 1 and 2 share one image.
	blobs := map[string][]byte{}
	missing, refused := map[string]bool{}, map[string]bool{}
	for i, it := range fx.Items {
		key, id := it.Details.Images[0], string(it.ProductID)
		switch {
		case i%7 == 3:
			missing[id] = true
		case i%11 == 5:
			refused[id] = true
			blobs[key] = []byte("bad image " + key)
		default:
			blobs[key] = []byte("jpeg of " + key)
		}
	}
	shared := fx.Items[1]
	shared.Details.Images = fx.Items[2].Details.Images
	fx.Log.Add("product-"+string(shared.ProductID), product.Updated{Details: shared.Details})
	var fetches sync.Map
	fetch := func(_ context.Context, key string) (scent.Image, error) {
		n, _ := fetches.LoadOrStore(key, new(int))
		*n.(*int)++
		b, ok := blobs[key]
		if !ok {
			return scent.Image{}, projector.ErrNoImage
		}
		return scent.Image{Data: b, ContentType: "image/jpeg"}, nil
	}

	svc := &model{calls: map[string]int{}}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	ix := memindex.New(scent.ImageDim)
	p, err := projector.NewImages(ix, scent.NewHTTPEmbedder(srv.URL), fetch, nil, searchtest.Registry())
	if err != nil {
		t.Fatal(err)
	}

	// The model is down for the first batch: the batch fails, nothing is
	// remembered, and the same batch passes once it is back.
	svc.down = true
	if err := p.Handle(ctx, fx.Log.Events[:20]); domain.KindOf(err) != domain.Unavailable {
		t.Fatalf("a 503 must fail the batch as unavailable: %v", err)
	}
	svc.down = false
	searchtest.Feed(t, p, fx.Log.Events, 20) // stock, reviews and orders touch each product again

	calls, most := svc.count()
	if most != 1 {
		t.Fatalf("an image was embedded %d times; once per blob key is the rule", most)
	}
	if calls != len(blobs) { // every blob in the store, refused ones included, product 1's first image too
		t.Fatalf("embedded %d images, %d blobs", calls, len(blobs))
	}
	var ids []string
	for _, it := range fx.Items {
		ids = append(ids, string(it.ProductID))
	}
	got, err := ix.Get(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range fx.Items {
		id := string(it.ProductID)
		pt, ok := got[id]
		if missing[id] || refused[id] {
			if ok {
				t.Fatalf("product %s has no embeddable image but a point", id)
			}
			continue
		}
		if !ok {
			t.Fatalf("product %s has no image point", id)
		}
		key := it.Details.Images[0]
		if id == string(shared.ProductID) {
			key = shared.Details.Images[0]
		}
		if scent.Cosine(pt.Vector, embedding(blobs[key])) < 1-1e-6 {
			t.Fatalf("product %s: not the embedding of %s", id, key)
		}
		if pt.Payload.Brand != it.Details.Brand || pt.Payload.Category != string(it.Details.Category) {
			t.Fatalf("product %s: payload %+v", id, pt.Payload)
		}
	}
	// The missing blobs were looked for with each change of their product
	// (the blob may yet come); the refused ones never sent twice (above).
	for _, it := range fx.Items {
		if missing[string(it.ProductID)] {
			if n, _ := fetches.Load(it.Details.Images[0]); n == nil || *n.(*int) < 2 {
				t.Fatalf("missing blob %s looked for %v times", it.Details.Images[0], n)
			}
		}
	}

	// A replay from zero into the same index calls the model for nothing.
	before, _ := svc.count()
	p2, _ := projector.NewImages(ix, scent.NewHTTPEmbedder(srv.URL), fetch, nil, searchtest.Registry())
	searchtest.Feed(t, p2, fx.Log.Events, 50)
	if after, _ := svc.count(); after != before {
		t.Fatalf("the replay embedded %d images again", after-before)
	}

	// An index rebuilt in memory after a restart, with the embeddings kept
	// apart (boltstate in cmd/souq): the model is asked once, then never
	// again on the rebuild.
	cache := memindex.New(1) // any store of state does
	p3, _ := projector.NewImages(memindex.New(scent.ImageDim), scent.NewHTTPEmbedder(srv.URL), fetch, cache, searchtest.Registry())
	searchtest.Feed(t, p3, fx.Log.Events, 50)
	first, _ := svc.count()
	rebuilt := memindex.New(scent.ImageDim)
	p4, _ := projector.NewImages(rebuilt, scent.NewHTTPEmbedder(srv.URL), fetch, cache, searchtest.Registry())
	searchtest.Feed(t, p4, fx.Log.Events, 50)
	if again, _ := svc.count(); first != before+len(blobs) || again != first || rebuilt.Len() != ix.Len() {
		t.Fatalf("model calls %d → %d → %d, %d points rebuilt of %d", before, first, again, rebuilt.Len(), ix.Len())
	}

	// Image match finds the product whose image was sent, first.
	rd := scent.NewReader(memindex.New(scent.Dim), scent.DefaultRules(), nil)
	rd.Images, rd.Embedder = ix, scent.NewHTTPEmbedder(srv.URL)
	// (In stock: the rules put those first.)
	// Products 1 and 2 share an image: a tie, left out.
	target := fx.Items[3+slices.IndexFunc(fx.Items[3:], func(it catalog.Item) bool { return got[string(it.ProductID)].Payload.InStock })]
	res, err := rd.ImageMatch(ctx, scent.Image{Data: blobs[target.Details.Images[0]], ContentType: "image/jpeg"}, 5)
	if err != nil || len(res) == 0 || res[0].ID != string(target.ProductID) || res[0].Score < 1-1e-6 {
		t.Fatalf("image match: %+v %v", res, err)
	}
}

func TestNewImagesNeedsItsParts(t *testing.T) {
	fetch := func(context.Context, string) (scent.Image, error) { return scent.Image{}, errors.New("x") }
	if _, err := projector.NewImages(memindex.New(scent.ImageDim), nil, fetch, nil, searchtest.Registry()); err == nil {
		t.Fatal("an image projector without an embedder")
	}
}
