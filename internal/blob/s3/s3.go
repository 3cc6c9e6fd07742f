// Package s3 is the blob store of the distributed deployment: an S3 bucket
// (MinIO, AWS S3 or any S3-compatible server) through minio-go. The bucket
// is created at Open when absent.
//
// It may import the blob port and minio-go.
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/souq-market/souq/internal/blob"
)

// Config locates the bucket.
type Config struct {
	// Endpoint is the server's URL: https://minio:9000 (http:// for a
	// plain-text one on a private network).
	Endpoint  string
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string // default us-east-1
	// Transport replaces the HTTP transport (tests trust their own TLS
	// certificate with it).
	Transport http.RoundTripper
}

// Store is a blob.Store over one bucket.
type Store struct {
	c      *minio.Client
	bucket string
}

var _ blob.Store = (*Store)(nil)

// Open connects and makes sure the bucket exists.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("s3: endpoint %q must be an http(s) URL", cfg.Endpoint)
	}
	if cfg.Bucket == "" {
		return nil, errors.New("s3: no bucket")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: u.Scheme == "https", Region: cfg.Region, Transport: cfg.Transport,
		// Path-style works on every server, MinIO's default included.
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   3,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3: bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		// Another souq process may have created it meanwhile.
		if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
			return nil, fmt.Errorf("s3: create bucket %s: %w", cfg.Bucket, err)
		}
	}
	return &Store{c: c, bucket: cfg.Bucket}, nil
}

// Put implements blob.Store. The body is read whole before the upload
// (at most the kind's limit, 20 MB): a body longer or shorter than
// declared is refused before anything reaches the bucket, and minio-go
// gets a seekable body it can retry.
func (s *Store) Put(ctx context.Context, kind blob.Kind, key, contentType string, size int64, r io.Reader) (blob.Info, error) {
	body, err := blob.Checked(kind, key, contentType, size, r)
	if err != nil {
		return blob.Info{}, err
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return blob.Info{}, err
	}
	up, err := s.c.PutObject(ctx, s.bucket, key, bytes.NewReader(b), size, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return blob.Info{}, fmt.Errorf("s3: put %s: %w", key, err)
	}
	mod := up.LastModified
	if mod.IsZero() {
		mod = time.Now()
	}
	return blob.Info{Key: key, ContentType: contentType, Size: size, Modified: mod.UTC()}, nil
}

func (s *Store) fail(op, key string, err error) error {
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NotFound":
		return fmt.Errorf("%w: %s", blob.ErrNotFound, key)
	}
	return fmt.Errorf("s3: %s %s: %w", op, key, err)
}

func info(key string, st minio.ObjectInfo) blob.Info {
	return blob.Info{Key: key, ContentType: st.ContentType, Size: st.Size, Modified: st.LastModified.UTC()}
}

// Get implements blob.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	if err := blob.CheckKey(key); err != nil {
		return nil, blob.Info{}, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, blob.Info{}, s.fail("get", key, err)
	}
	st, err := obj.Stat() // GetObject is lazy: this is the request
	if err != nil {
		_ = obj.Close()
		return nil, blob.Info{}, s.fail("get", key, err)
	}
	return obj, info(key, st), nil
}

// Stat implements blob.Store.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	if err := blob.CheckKey(key); err != nil {
		return blob.Info{}, err
	}
	st, err := s.c.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return blob.Info{}, s.fail("stat", key, err)
	}
	return info(key, st), nil
}

// Delete implements blob.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blob.CheckKey(key); err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		if errors.Is(s.fail("delete", key, err), blob.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("s3: delete %s: %w", key, err)
	}
	return nil
}

// PresignGet implements blob.Store with an S3 presigned URL (signature V4,
// 1 s to 7 days).
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := blob.CheckKey(key); err != nil {
		return "", err
	}
	if ttl < blob.MinTTL || ttl > blob.MaxTTL {
		return "", fmt.Errorf("%w: %s", blob.ErrBadTTL, ttl)
	}
	u, err := s.c.PresignedGetObject(ctx, s.bucket, key, ttl, nil)
	if err != nil {
		return "", fmt.Errorf("s3: presign %s: %w", key, err)
	}
	return u.String(), nil
}
