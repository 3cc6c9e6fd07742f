package writeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"net/textproto"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/blob/blobtest"
)

// blobEnv is newEnv's write API with a Files store in a temp dir.
func blobEnv(t *testing.T) (*env, blob.Store, string) {
	t.Helper()
	dir := t.TempDir()
	files, err := blob.NewFiles(dir, blob.Links{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New(memory.Options{})
	t.Cleanup(func() { _ = store.Close() })
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: slog.New(slog.DiscardHandler)})
	signer := testVerifier(t)
	api, err := New(Deps{Store: store, Exec: exec, Auth: signer, Logger: slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(), Version: "test", DefaultCommission: 1500, Blobs: files})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: store, exec: exec, h: api.Handler(), signer: signer}
	e.list("p-1", "v-1", "oud-50")
	e.list("p-2", "v-2", "musk-30")
	return e, files, dir
}

// stored lists the blobs in a Files dir.
func stored(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// counting is a body that says how much of it was read.
type counting struct {
	r    io.Reader
	read atomic.Int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func upload(e *env, path, token, contentType string, body io.Reader, length int64) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, body)
	req.ContentLength = length
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func multipartBody(t *testing.T, field, partType string, data []byte) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("note", "front of the box")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+field+`"; filename="x"`)
	if partType != "" {
		h.Set("Content-Type", partType)
	}
	pw, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = pw.Write(data)
	_ = w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func TestUploadProductImage(t *testing.T) {
	e, files, _ := blobEnv(t)
	tv1 := e.token(auth.Vendor, "v-1")
	img := blobtest.JPEG(t, 300, 150)
	rec := upload(e, "/v1/products/p-1/images", tv1, "image/jpeg", bytes.NewReader(img), int64(len(img)))
	if rec.Code != 201 {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	var ans ImageAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
		t.Fatal(err)
	}
	key := ans.Image.Key
	if !strings.HasPrefix(key, "products/p-1/") || !strings.HasSuffix(key, ".jpg") || ans.Image.ContentType != blob.JPEG || ans.Events != 1 {
		t.Fatalf("answer %+v", ans)
	}
	for size, vk := range map[string]string{"256": blob.VariantKey(key, 256), "1024": blob.VariantKey(key, 1024)} {
		if ans.Variants[size] != vk {
			t.Errorf("variant %s is %q, want %q", size, ans.Variants[size], vk)
		}
		if st, err := files.Stat(context.Background(), vk); err != nil || st.ContentType != blob.JPEG {
			t.Errorf("variant %s: %+v, %v", vk, st, err)
		}
	}
	last := e.last("product-p-1")
	var up product.Updated
	if err := json.Unmarshal(last.Data, &up); err != nil || last.Type != product.TypeUpdated || !slices.Equal(up.Details.Images, []string{key}) {
		t.Fatalf("the product's last event is %s %s", last.Type, last.Data)
	}
	if last.Metadata.Actor.UserID != "v-1" {
		t.Fatalf("recorded as %+v", last.Metadata.Actor)
	}

	// The same bytes again: same key, nothing new recorded.
	head := e.head()
	rec = upload(e, "/v1/products/p-1/images", tv1, "", bytes.NewReader(img), int64(len(img)))
	if rec.Code != 201 || e.head() != head {
		t.Fatalf("a repeated upload: %d %s, head %d → %d", rec.Code, rec.Body, head, e.head())
	}

	// Multipart, a PNG, by staff for the owner: a second image.
	ct, body := multipartBody(t, "file", "image/png", blobtest.PNG(t, 40, 40))
	rec = upload(e, "/v1/products/p-1/images", e.token(auth.Admin, "a-1"), ct, bytes.NewReader(body), int64(len(body)))
	if rec.Code != 201 {
		t.Fatalf("multipart upload: %d %s", rec.Code, rec.Body)
	}
	_ = json.Unmarshal(e.last("product-p-1").Data, &up)
	if len(up.Details.Images) != 2 || !strings.HasSuffix(up.Details.Images[1], ".png") {
		t.Fatalf("after the second upload the images are %v", up.Details.Images)
	}
}

func TestUploadKYC(t *testing.T) {
	e, files, _ := blobEnv(t)
	pdf := blobtest.PDF("trade licence")
	rec := upload(e, "/v1/vendors/v-1/kyc-uploads", e.token(auth.Vendor, "v-1"), "application/pdf", bytes.NewReader(pdf), int64(len(pdf)))
	if rec.Code != 201 {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	var info blob.Info
	_ = json.Unmarshal(rec.Body.Bytes(), &info)
	if !strings.HasPrefix(info.Key, "kyc/v-1/") || info.ContentType != blob.PDF || info.Size != int64(len(pdf)) {
		t.Fatalf("answer %+v", info)
	}
	rc, _, err := files.Get(context.Background(), info.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	_ = rc.Close()
	if !bytes.Equal(got, pdf) {
		t.Fatal("stored bytes differ")
	}
}

// TestUploadHostile: every refusal is a 4xx problem with its code, and
// neither a blob nor an event is written.
func TestUploadHostile(t *testing.T) {
	e, _, dir := blobEnv(t)
	tv1, tv2, tadmin := e.token(auth.Vendor, "v-1"), e.token(auth.Vendor, "v-2"), e.token(auth.Admin, "a-1")
	jpg, pdf := blobtest.JPEG(t, 20, 20), blobtest.PDF("x")
	html := []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
	noFileCT, noFile := multipartBody(t, "photo", "image/jpeg", jpg)
	lieCT, lie := multipartBody(t, "file", "image/png", jpg)
	images, kyc1 := "/v1/products/p-1/images", "/v1/vendors/v-1/kyc-uploads"
	for _, c := range []struct {
		name, path, token, ct string
		body                  []byte
		status                int
		code                  string
	}{
		{"pdf as a product image", images, tv1, "application/pdf", pdf, 415, CodeBlobType},
		{"html called a jpeg", images, tv1, "image/jpeg", html, 415, CodeBlobType},
		{"html called a pdf kyc", kyc1, tv1, "application/pdf", html, 415, CodeBlobType},
		{"jpeg called a png", images, tv1, "image/png", jpg, 415, CodeBlobTypeLie},
		{"jpeg called a png in a part", images, tv1, lieCT, lie, 415, CodeBlobTypeLie},
		{"gif", images, tv1, "image/gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 415, CodeBlobType},
		{"zero bytes", images, tv1, "image/jpeg", nil, 400, CodeBlobEmpty},
		{"zero bytes kyc", kyc1, tv1, "application/pdf", nil, 400, CodeBlobEmpty},
		{"multipart without a file", images, tv1, noFileCT, noFile, 400, CodeBlobNoFile},
		{"multipart without a boundary", images, tv1, "multipart/form-data", jpg, 400, CodeMalformed},
		{"corrupt jpeg", images, tv1, "image/jpeg", jpg[:len(jpg)/3], 422, CodeBlobUndecoding},
		{"another vendor's product", images, tv2, "image/jpeg", jpg, 403, CodeNotOwner},
		{"another vendor's kyc", kyc1, tv2, "application/pdf", pdf, 403, CodeNotOwner},
		{"a customer", kyc1, e.token(auth.Customer, "c-1"), "application/pdf", pdf, 403, auth.CodeForbidden},
		{"no product", "/v1/products/p-404/images", tv1, "image/jpeg", jpg, 404, product.CodeNotListed},
		// The router cleans a path holding ".." and redirects to the clean
		// one (which names no route) without running the handler.
		{"traversal in the vendor id", "/v1/vendors/..%2F..%2Fetc/kyc-uploads", tadmin, "application/pdf", pdf, 301, ""},
		{"dot vendor id", "/v1/vendors/.tmp/kyc-uploads", tadmin, "application/pdf", pdf, 400, CodeBlobBadKey},
	} {
		head := e.head()
		body := &counting{r: bytes.NewReader(c.body)}
		rec := upload(e, c.path, c.token, c.ct, body, int64(len(c.body)))
		if rec.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.status)
			continue
		}
		if c.code != "" {
			if got := problem(t, rec)["code"]; got != c.code {
				t.Errorf("%s: code %v, want %s", c.name, got, c.code)
			}
		}
		if c.status == 403 && body.read.Load() != 0 {
			t.Errorf("%s: %d bytes of a forbidden upload were read", c.name, body.read.Load())
		}
		if got := stored(t, dir); len(got) != 0 || e.head() != head {
			t.Fatalf("%s: left %v and head %d → %d", c.name, got, head, e.head())
		}
	}
}

// TestUploadOversized: a declared length over the limit is refused with
// nothing read; an undeclared (chunked) one once the limit is passed.
func TestUploadOversized(t *testing.T) {
	e, _, dir := blobEnv(t)
	tv1 := e.token(auth.Vendor, "v-1")
	endless := func() *counting {
		return &counting{r: io.MultiReader(bytes.NewReader(blobtest.JPEG(t, 8, 8)), zeros{})}
	}
	const imageLimit, kycLimit = 10 << 20, 20 << 20
	for _, c := range []struct {
		name, path, ct string
		length         int64
		limit          int64
		maxRead        int64
	}{
		{"declared over 10 MB", "/v1/products/p-1/images", "image/jpeg", imageLimit + 1, imageLimit, 0},
		{"declared over 20 MB kyc", "/v1/vendors/v-1/kyc-uploads", "application/pdf", kycLimit + 1, kycLimit, 0},
		{"chunked past 10 MB", "/v1/products/p-1/images", "image/jpeg", -1, imageLimit, imageLimit + 64<<10},
		{"multipart past 10 MB", "/v1/products/p-1/images", "multipart/form-data; boundary=b", -1, imageLimit, imageLimit + 2*64<<10},
	} {
		body := endless()
		var r io.Reader = body
		if strings.HasPrefix(c.ct, "multipart") {
			r = io.MultiReader(strings.NewReader("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"), body)
		}
		rec := upload(e, c.path, tv1, c.ct, r, c.length)
		if rec.Code != 413 || problem(t, rec)["code"] != CodeTooLarge {
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
		if n := body.read.Load(); n > c.maxRead {
			t.Errorf("%s: read %d bytes, more than %d", c.name, n, c.maxRead)
		}
		if got := stored(t, dir); len(got) != 0 {
			t.Fatalf("%s: left %v", c.name, got)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
