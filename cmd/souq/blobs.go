package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/blob/s3"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/invoice"
	"github.com/souq-market/souq/projections"
)

// blobSide is the blob store and, for files in the data dir, the signer of
// the download links the read API serves (nil for S3, which presigns).
type blobSide struct {
	store blob.Store
	links *blob.Links
}

// openBlobs opens the S3/MinIO bucket when SOUQ_S3_ENDPOINT is set, else
// files under <data dir>/blobs. The files' link secret is derived from the
// token secret (HMAC with a fixed label), so every process on one data dir
// signs and checks the same links without another secret to manage.
func openBlobs(ctx context.Context, cfg config.Config, logger *slog.Logger) (*blobSide, error) {
	if cfg.S3Endpoint != "" {
		st, err := s3.Open(ctx, s3.Config{Endpoint: cfg.S3Endpoint, Bucket: cfg.S3Bucket,
			AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, Region: cfg.S3Region})
		if err != nil {
			return nil, fmt.Errorf("blobs: %w", err)
		}
		logger.Info("blobs in S3", slog.String("endpoint", cfg.S3Endpoint), slog.String("bucket", cfg.S3Bucket))
		return &blobSide{store: st}, nil
	}
	secret := []byte(cfg.JWTSecret)
	if len(secret) == 0 {
		var err error
		if secret, err = auth.LoadOrCreateSecret(cfg.DataDir); err != nil {
			return nil, fmt.Errorf("blobs: link secret: %w", err)
		}
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("souq blob links v1"))
	links := &blob.Links{Secret: m.Sum(nil)}
	st, err := blob.NewFiles(filepath.Join(cfg.DataDir, "blobs"), *links)
	if err != nil {
		return nil, err
	}
	return &blobSide{store: st, links: links}, nil
}

// invoices is the projector issuing each confirmed order's invoice into
// the blob store; it runs beside the read projectors.
func (b *blobSide) invoices(reg *eventstore.Registry, store eventstore.Store) projections.Projector {
	return &invoice.Projector{Store: store, Reg: reg, Blobs: b.store}
}
