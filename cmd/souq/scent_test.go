package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/blob/blobtest"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/scent/projector"
)

// Image similarity is on only with SOUQ_EMBEDDER_URL and a blob store to
// read product images from; the fetch reads the blob the product names
// and says plainly when it is not there.
func TestScentImagesWiring(t *testing.T) {
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	reg := commands.NewRegistry()

	off, err := openScent(ctx, config.Config{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := off.imageProjector(reg, nil); p != nil || err != nil || off.reader(nil).ImagesEnabled() {
		t.Fatalf("without an embedder: projector %v, %v, reader on %v", p, err, off.reader(nil).ImagesEnabled())
	}
	if _, err := off.reader(nil).ImageMatch(ctx, scent.Image{Data: []byte{1}}, 5); domain.CodeOf(err) != scent.CodeFeatureDisabled {
		t.Fatalf("off must say so: %v", err)
	}

	model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := make([]float32, scent.ImageDim)
		v[7] = 1
		_ = json.NewEncoder(w).Encode(map[string]any{"dim": scent.ImageDim, "embeddings": [][]float32{v}})
	}))
	defer model.Close()
	cfg := config.Config{DataDir: t.TempDir(), EmbedderURL: model.URL}
	noBlobs, err := openScent(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := noBlobs.imageProjector(reg, nil); p != nil || err != nil || noBlobs.reader(nil).ImagesEnabled() {
		t.Fatal("an in-process image index nobody fills must stay off")
	}
	if err := noBlobs.close(); err != nil { // the embeddings file is one process's
		t.Fatal(err)
	}

	on, err := openScent(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer on.close()
	if on.embeddings == nil {
		t.Fatal("in process, the embeddings must outlive the index: a restart would ask the model for every image")
	}
	bs, err := openBlobs(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	p, err := on.imageProjector(reg, bs.store)
	if err != nil || p == nil || p.Name() != scent.ImageView() || !on.reader(nil).ImagesEnabled() {
		t.Fatalf("with an embedder and blobs: %v %v", p, err)
	}
	jpeg := blobtest.JPEG(t, 8, 8)
	if _, err := bs.store.Put(ctx, blob.ProductImage, "products/p-1/main.jpg", blob.JPEG, int64(len(jpeg)), bytes.NewReader(jpeg)); err != nil {
		t.Fatal(err)
	}
	fetch := imageFetch(bs.store)
	img, err := fetch(ctx, "products/p-1/main.jpg")
	if err != nil || !bytes.Equal(img.Data, jpeg) || img.ContentType != blob.JPEG {
		t.Fatalf("fetch: %d bytes, %q, %v", len(img.Data), img.ContentType, err)
	}
	if _, err := fetch(ctx, "products/p-2/main.jpg"); !errors.Is(err, projector.ErrNoImage) {
		t.Fatalf("a missing blob: %v", err)
	}
	if v, err := on.embedder.Embed(ctx, img); err != nil || v[7] != 1 {
		t.Fatalf("the embedder of SOUQ_EMBEDDER_URL: %v", err)
	}
}
