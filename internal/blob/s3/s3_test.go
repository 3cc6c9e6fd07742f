package s3_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/blob/blobtest"
	"github.com/souq-market/souq/internal/blob/s3"
)

func bucket() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "souq-test-" + hex.EncodeToString(b[:])
}

func fetcher(client *http.Client) blobtest.Fetch {
	return func(t *testing.T, link string) (int, []byte) {
		res, err := client.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
}

// TestFakeS3 runs the suite on gofakes3 served over TLS in process: over
// plain HTTP minio-go signs bodies in streaming chunks, which gofakes3
// stores with their chunk headers (DESIGN.md §8); over TLS it sends them
// whole. Each store gets its own bucket, created by Open.
func TestFakeS3(t *testing.T) {
	srv := httptest.NewTLSServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	open := func(t *testing.T) blob.Store {
		s, err := s3.Open(context.Background(), s3.Config{Endpoint: srv.URL, Bucket: bucket(),
			AccessKey: "souq", SecretKey: "souq-secret", Transport: srv.Client().Transport})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	blobtest.Run(t, open, fetcher(srv.Client()), blobtest.Options{Unsigned: true})

	// gofakes3 checks no signature, so pin what a real server checks.
	s := open(t)
	link, err := s.PresignGet(context.Background(), "kyc/v-1/a.pdf", 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "https" || !strings.HasSuffix(u.Path, "/kyc/v-1/a.pdf") || q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" ||
		q.Get("X-Amz-Expires") != "90" || len(q.Get("X-Amz-Signature")) != 64 || !strings.HasPrefix(q.Get("X-Amz-Credential"), "souq/") {
		t.Fatalf("presigned URL %s lacks the SigV4 query", link)
	}
}

// TestMinIO runs the suite on a real S3 server when SOUQ_TEST_S3_URL is
// set: http(s)://ACCESS:SECRET@host:port (a bucket per store is created).
func TestMinIO(t *testing.T) {
	raw := os.Getenv("SOUQ_TEST_S3_URL")
	if raw == "" {
		t.Skip("SOUQ_TEST_S3_URL not set (http://ACCESS:SECRET@127.0.0.1:9000): the suite ran on gofakes3 only")
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		t.Fatalf("SOUQ_TEST_S3_URL must be http(s)://ACCESS:SECRET@host:port")
	}
	secret, _ := u.User.Password()
	cfg := s3.Config{Endpoint: u.Scheme + "://" + u.Host, AccessKey: u.User.Username(), SecretKey: secret}
	open := func(t *testing.T) blob.Store {
		c := cfg
		c.Bucket = bucket()
		s, err := s3.Open(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	blobtest.Run(t, open, fetcher(http.DefaultClient), blobtest.Options{})
}

// TestOpenRefuses names a bad endpoint before any request.
func TestOpenRefuses(t *testing.T) {
	for _, c := range []s3.Config{{Endpoint: "minio:9000", Bucket: "b"}, {Endpoint: "ftp://minio", Bucket: "b"}, {Endpoint: "http://minio:9000"}} {
		if _, err := s3.Open(context.Background(), c); err == nil {
			t.Errorf("Open(%+v) accepted", c)
		}
	}
}
