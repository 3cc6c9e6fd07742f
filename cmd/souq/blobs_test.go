package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/blob/blobtest"
	"github.com/souq-market/souq/internal/config"
)

// TestOpenBlobsFiles: with nothing configured blobs are files in the data
// dir, and a second process on the same dir checks the first one's links.
func TestOpenBlobsFiles(t *testing.T) {
	ctx := context.Background()
	cfg := config.Config{DataDir: t.TempDir()}
	a, err := openBlobs(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if a.links == nil {
		t.Fatal("files store without link signer")
	}
	pdf := blobtest.PDF("x")
	if _, err := a.store.Put(ctx, blob.Invoice, "invoices/o-1/invoice.pdf", blob.PDF, int64(len(pdf)), bytes.NewReader(pdf)); err != nil {
		t.Fatal(err)
	}
	link, err := a.store.PresignGet(ctx, "invoices/o-1/invoice.pdf", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b, err := openBlobs(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	if err := b.links.Verify(strings.TrimPrefix(u.Path, blob.LinkPath), u.Query().Get("expires"), u.Query().Get("sig")); err != nil {
		t.Fatalf("another process refused the link: %v", err)
	}
	if _, err := b.store.Stat(ctx, "invoices/o-1/invoice.pdf"); err != nil {
		t.Fatal(err)
	}
}
