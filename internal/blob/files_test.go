package blob_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/blob/blobtest"
)

func TestFiles(t *testing.T) {
	links := blob.Links{Secret: []byte("0123456789abcdef0123456789abcdef")}
	var srv *httptest.Server
	open := func(t *testing.T) blob.Store {
		dir := t.TempDir()
		// Refused and finished puts leave no temporary file behind.
		t.Cleanup(func() {
			left, err := os.ReadDir(filepath.Join(dir, ".tmp"))
			if err != nil || len(left) != 0 {
				t.Errorf("%s/.tmp holds %d files (%v)", dir, len(left), err)
			}
		})
		s, err := blob.NewFiles(dir, links)
		if err != nil {
			t.Fatal(err)
		}
		srv = httptest.NewServer(blob.Serve(s, links, slog.New(slog.DiscardHandler)))
		t.Cleanup(srv.Close)
		return s
	}
	fetch := func(t *testing.T, link string) (int, []byte) {
		res, err := http.Get(srv.URL + link) // Files' links are relative to the read API
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	blobtest.Run(t, open, fetch, blobtest.Options{})
}

func TestLinksTampered(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := blob.Links{Secret: []byte("0123456789abcdef0123456789abcdef"), Now: func() time.Time { return now }}
	link, err := l.Sign("kyc/v-1/a.pdf", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := "/v1/blobs/kyc/v-1/a.pdf?expires=1800000060&sig="
	if link[:len(want)] != want {
		t.Fatalf("link %s", link)
	}
	sig := link[len(want):]
	if err := l.Verify("kyc/v-1/a.pdf", "1800000060", sig); err != nil {
		t.Fatalf("a fresh link: %v", err)
	}
	other := blob.Links{Secret: []byte("another secret of thirty-two byt"), Now: l.Now}
	for name, err := range map[string]error{
		"other key":    l.Verify("kyc/v-2/a.pdf", "1800000060", sig),
		"later expiry": l.Verify("kyc/v-1/a.pdf", "1800009999", sig),
		"other secret": other.Verify("kyc/v-1/a.pdf", "1800000060", sig),
		"no signature": l.Verify("kyc/v-1/a.pdf", "1800000060", ""),
		"bad expiry":   l.Verify("kyc/v-1/a.pdf", "soon", sig),
		"expired":      blob.Links{Secret: l.Secret, Now: func() time.Time { return now.Add(61 * time.Second) }}.Verify("kyc/v-1/a.pdf", "1800000060", sig),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestVariantKey(t *testing.T) {
	for in, want := range map[string]string{
		"products/p-1/ab12.png":  "products/p-1/ab12-256.jpg",
		"products/p.1/ab12":      "products/p.1/ab12-256.jpg",
		"products/p-1/ab.c.webp": "products/p-1/ab.c-256.jpg",
	} {
		if got := blob.VariantKey(in, 256); got != want {
			t.Errorf("VariantKey(%s) = %s, want %s", in, got, want)
		}
	}
}
