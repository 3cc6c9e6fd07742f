// Package blobtest is the acceptance suite every blob.Store runs: round
// trips of each kind, the allow-lists, hostile keys and sizes with nothing
// stored, replacement, concurrent writers of one key, and presigned links
// fetched for real.
//
// It may import the blob port and the testing packages.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/blob"
)

// Fetch downloads a presigned URL as a client without credentials would,
// returning the status and body.
type Fetch func(t *testing.T, url string) (int, []byte)

// Options say what the server behind a store can show.
type Options struct {
	// Unsigned: the server serves presigned URLs without checking their
	// signature or expiry (gofakes3), so the suite cannot see a tampered or
	// expired link refused; it says so and checks the rest.
	Unsigned bool
}

// Run runs the suite on the store open returns (a fresh, empty one each
// call). fetch follows the store's links.
func Run(t *testing.T, open func(t *testing.T) blob.Store, fetch Fetch, opt Options) {
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t)
		for _, c := range []struct {
			kind blob.Kind
			typ  string
			body []byte
		}{
			{blob.ProductImage, blob.JPEG, JPEG(t, 64, 48)},
			{blob.ProductImage, blob.PNG, PNG(t, 32, 32)},
			{blob.ProductImage, blob.WebP, WebP()},
			{blob.KYCDocument, blob.PDF, PDF("licence")},
			{blob.KYCDocument, blob.PNG, PNG(t, 10, 10)},
			{blob.Label, blob.PDF, PDF("label")},
			{blob.Invoice, blob.PDF, PDF("invoice")},
		} {
			key := blob.ContentKey(c.kind, "owner-1", c.body, c.typ)
			info, err := s.Put(ctx, c.kind, key, c.typ, int64(len(c.body)), bytes.NewReader(c.body))
			if err != nil {
				t.Fatalf("put %s: %v", key, err)
			}
			if info.Key != key || info.Size != int64(len(c.body)) || info.ContentType != c.typ {
				t.Fatalf("put %s answered %+v", key, info)
			}
			st, err := s.Stat(ctx, key)
			if err != nil || st.Size != int64(len(c.body)) || st.ContentType != c.typ {
				t.Fatalf("stat %s = %+v, %v; want %d bytes of %s", key, st, err, len(c.body), c.typ)
			}
			if got := get(t, s, key); !bytes.Equal(got, c.body) {
				t.Fatalf("get %s returned %d other bytes", key, len(got))
			}
		}
	})
	t.Run("Replace", func(t *testing.T) {
		s := open(t)
		key := "invoices/o-1/invoice.pdf"
		put(t, s, blob.Invoice, key, blob.PDF, PDF("first"))
		second := PDF("second, longer than the first")
		put(t, s, blob.Invoice, key, blob.PDF, second)
		if got := get(t, s, key); !bytes.Equal(got, second) {
			t.Fatalf("after a replace got %q", got)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		s := open(t)
		jpg, pdf := JPEG(t, 8, 8), PDF("x")
		for _, c := range []struct {
			name      string
			kind      blob.Kind
			key, typ  string
			size      int64
			body      []byte
			want      error
			stillNone string // a key that must not exist afterwards
		}{
			{"pdf as a product image", blob.ProductImage, "products/p/a.pdf", blob.PDF, int64(len(pdf)), pdf, blob.ErrType, ""},
			{"gif not allowed", blob.ProductImage, "products/p/a.gif", "image/gif", 6, []byte("GIF89a"), blob.ErrType, ""},
			{"header lies: png declared, jpeg sent", blob.ProductImage, "products/p/a.png", blob.PNG, int64(len(jpg)), jpg, blob.ErrSniffed, ""},
			{"html as pdf", blob.KYCDocument, "kyc/v/a.pdf", blob.PDF, 20, []byte("<html><script>x</scr"), blob.ErrSniffed, ""},
			{"zero bytes", blob.KYCDocument, "kyc/v/a.pdf", blob.PDF, 0, nil, blob.ErrEmpty, ""},
			{"over the limit", blob.ProductImage, "products/p/b.jpg", blob.JPEG, 10<<20 + 1, jpg, blob.ErrTooLarge, ""},
			{"negative size", blob.ProductImage, "products/p/b.jpg", blob.JPEG, -1, jpg, blob.ErrTooLarge, ""},
			{"shorter than declared", blob.ProductImage, "products/p/c.jpg", blob.JPEG, int64(len(jpg)) + 10, jpg, blob.ErrSize, ""},
			{"longer than declared", blob.ProductImage, "products/p/d.jpg", blob.JPEG, int64(len(jpg)) - 10, jpg, blob.ErrSize, ""},
			{"unknown kind", blob.Kind("tmp"), "tmp/x/a.pdf", blob.PDF, int64(len(pdf)), pdf, blob.ErrBadKind, ""},
			{"key of another kind", blob.ProductImage, "kyc/v/a.jpg", blob.JPEG, int64(len(jpg)), jpg, blob.ErrBadKey, ""},
			{"traversal", blob.KYCDocument, "kyc/../../etc/passwd", blob.PDF, int64(len(pdf)), pdf, blob.ErrBadKey, ""},
			{"traversal inside", blob.KYCDocument, "kyc/v/../../products/p/x.pdf", blob.PDF, int64(len(pdf)), pdf, blob.ErrBadKey, "products/p/x.pdf"},
			{"dot segment", blob.KYCDocument, "kyc/./a.pdf", blob.PDF, int64(len(pdf)), pdf, blob.ErrBadKey, ""},
			{"hidden temp dir", blob.KYCDocument, "kyc/.tmp/a.pdf", blob.PDF, int64(len(pdf)), pdf, blob.ErrBadKey, ""},
			{"empty segment", blob.KYCDocument, "kyc//a.pdf", blob.PDF, int64(len(pdf)), pdf, blob.ErrBadKey, ""},
			{"backslash", blob.KYCDocument, `kyc/v\..\a.pdf`, blob.PDF, int64(len(pdf)), pdf, blob.ErrBadKey, ""},
			{"absolute", blob.KYCDocument, "/kyc/v/a.pdf", blob.PDF, int64(len(pdf)), pdf, blob.ErrBadKey, ""},
			{"nul", blob.KYCDocument, "kyc/v/a\x00.pdf", blob.PDF, int64(len(pdf)), pdf, blob.ErrBadKey, ""},
			{"non-ascii", blob.KYCDocument, "kyc/v/مستند.pdf", blob.PDF, int64(len(pdf)), pdf, blob.ErrBadKey, ""},
			{"too long", blob.KYCDocument, "kyc/v/" + strings.Repeat("a", 510), blob.PDF, int64(len(pdf)), pdf, blob.ErrBadKey, ""},
		} {
			_, err := s.Put(ctx, c.kind, c.key, c.typ, c.size, bytes.NewReader(c.body))
			if !errors.Is(err, blob.ErrRefused) || !errors.Is(err, c.want) {
				t.Errorf("%s: Put = %v, want ErrRefused and %v", c.name, err, c.want)
				continue
			}
			for _, k := range []string{c.key, c.stillNone} {
				if blob.CheckKey(k) != nil {
					continue
				}
				if _, err := s.Stat(ctx, k); !errors.Is(err, blob.ErrNotFound) {
					t.Errorf("%s: after a refused put, Stat(%s) = %v, want ErrNotFound", c.name, k, err)
				}
			}
		}
	})
	t.Run("Missing", func(t *testing.T) {
		s := open(t)
		key := "labels/s-1/label.pdf"
		if _, err := s.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Stat of nothing = %v", err)
		}
		if _, _, err := s.Get(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Get of nothing = %v", err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete of nothing = %v", err)
		}
		put(t, s, blob.Label, key, blob.PDF, PDF("label"))
		if err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Stat after Delete = %v", err)
		}
		for _, k := range []string{"../x", "kyc/../../x", ""} {
			if _, _, err := s.Get(ctx, k); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("Get(%q) = %v, want ErrBadKey", k, err)
			}
			if err := s.Delete(ctx, k); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("Delete(%q) = %v, want ErrBadKey", k, err)
			}
		}
	})
	t.Run("ConcurrentWritersOfOneKey", func(t *testing.T) {
		s := open(t)
		key := "invoices/o-2/invoice.pdf"
		bodies := make([][]byte, 6)
		for i := range bodies {
			bodies[i] = PDF(strings.Repeat(fmt.Sprint(i), 30000+i*1000))
		}
		var wg sync.WaitGroup
		for _, b := range bodies {
			wg.Go(func() {
				if _, err := s.Put(ctx, blob.Invoice, key, blob.PDF, int64(len(b)), bytes.NewReader(b)); err != nil {
					t.Errorf("concurrent put: %v", err)
				}
			})
		}
		wg.Wait()
		got := get(t, s, key)
		for _, b := range bodies {
			if bytes.Equal(got, b) {
				return
			}
		}
		t.Fatalf("after concurrent puts the blob (%d bytes) is none of them whole", len(got))
	})
	t.Run("LargestAllowed", func(t *testing.T) {
		s := open(t)
		body := append(PDF("big"), bytes.Repeat([]byte{' '}, 20<<20-len(PDF("big")))...)
		key := "kyc/v-big/scan.pdf"
		put(t, s, blob.KYCDocument, key, blob.PDF, body)
		if st, err := s.Stat(ctx, key); err != nil || st.Size != 20<<20 {
			t.Fatalf("stat = %+v, %v", st, err)
		}
	})
	t.Run("PresignGet", func(t *testing.T) {
		s := open(t)
		key := "invoices/o-3/invoice.pdf"
		body := PDF("the invoice")
		put(t, s, blob.Invoice, key, blob.PDF, body)
		link, err := s.PresignGet(ctx, key, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if status, got := fetch(t, link); status != 200 || !bytes.Equal(got, body) {
			t.Fatalf("fetching the link: %d, %d bytes", status, len(got))
		}
		if status, _ := fetch(t, strings.Replace(link, "o-3", "o-4", 1)); status != 403 && status != 404 {
			t.Fatalf("a link edited to another key answered %d", status)
		}
		put(t, s, blob.Invoice, "invoices/o-4/invoice.pdf", blob.PDF, PDF("someone else's"))
		if status, _ := fetch(t, strings.Replace(link, "o-3", "o-4", 1)); status != 403 && !opt.Unsigned {
			t.Fatalf("a link edited to another existing key answered %d, want 403", status)
		}
		for _, ttl := range []time.Duration{0, -time.Second, 8 * 24 * time.Hour} {
			if _, err := s.PresignGet(ctx, key, ttl); !errors.Is(err, blob.ErrBadTTL) {
				t.Errorf("PresignGet ttl %s = %v, want ErrBadTTL", ttl, err)
			}
		}
		if _, err := s.PresignGet(ctx, "kyc/../x", time.Minute); !errors.Is(err, blob.ErrBadKey) {
			t.Errorf("PresignGet of a bad key = %v", err)
		}
		if opt.Unsigned {
			t.Log("this server does not check presigned signatures or expiry: tampered and expired links not tested here")
			return
		}
		short, err := s.PresignGet(ctx, key, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2100 * time.Millisecond)
		if status, _ := fetch(t, short); status != 403 {
			t.Fatalf("an expired link answered %d, want 403", status)
		}
	})
}

func put(t *testing.T, s blob.Store, kind blob.Kind, key, typ string, body []byte) {
	t.Helper()
	if _, err := s.Put(context.Background(), kind, key, typ, int64(len(body)), bytes.NewReader(body)); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func get(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	rc, _, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func picture(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / max(w, 1)), uint8(y * 255 / max(h, 1)), 90, 255})
		}
	}
	return img
}

// JPEG is a real w×h JPEG.
func JPEG(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// PNG is a real w×h PNG.
func PNG(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, picture(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// WebP is the header of a WebP file, enough to sniff (not to decode).
func WebP() []byte {
	return append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 "), make([]byte, 32)...)
}

// PDF is a minimal PDF carrying text.
func PDF(text string) []byte {
	return []byte("%PDF-1.4\n% souq test\n1 0 obj << /Text (" + text + ") >> endobj\n%%EOF\n")
}
