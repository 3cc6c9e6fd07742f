package readapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/blob/blobtest"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/orders"
	"github.com/souq-market/souq/projections/orders/orderq"
	"github.com/souq-market/souq/projections/viewtest"
)

// TestBlobRoutes: who gets a link to what, the invoice redirect, and the
// signed download of a files store (tampering refused).
func TestBlobRoutes(t *testing.T) {
	ctx := context.Background()
	reg := viewtest.Registry(order.Events())
	h := viewtest.NewHistory(t, reg)
	h.Add("order-o-1", order.Placed{OrderID: "o-1", CustomerID: "c-1", Country: "AE", PaymentMethod: order.PayOnDelivery,
		SubOrders: []order.SubOrder{{ID: "o-1-s1", VendorID: "v-1", Lines: []domain.SKU{"oud-50"}, Subtotal: aed(100), Discount: aed(0), Shipping: aed(0), Total: aed(100), VAT: aed(5), Commission: aed(15)}},
		Totals:    order.Totals{Subtotal: aed(100), Discount: aed(0), Shipping: aed(0), Total: aed(100), VAT: aed(5), Cashback: aed(0), Wallet: aed(0), Due: aed(100)},
		At:        h.At()})
	db := viewtest.SQLite(t)
	viewtest.Project(t, db, h.Store, orders.New(reg))

	links := blob.Links{Secret: bytes.Repeat([]byte("s"), 32)}
	files, err := blob.NewFiles(t.TempDir(), links)
	if err != nil {
		t.Fatal(err)
	}
	pdf := blobtest.PDF("doc")
	for kind, key := range map[blob.Kind]string{blob.KYCDocument: "kyc/v-1/a.pdf", blob.Invoice: "invoices/o-1/invoice.pdf", blob.Label: "labels/v-1/l.pdf"} {
		if _, err := files.Put(ctx, kind, key, blob.PDF, int64(len(pdf)), bytes.NewReader(pdf)); err != nil {
			t.Fatal(err)
		}
	}
	img := blobtest.PNG(t, 4, 4)
	if _, err := files.Put(ctx, blob.ProductImage, "products/p-1/i.png", blob.PNG, int64(len(img)), bytes.NewReader(img)); err != nil {
		t.Fatal(err)
	}
	callers := map[string]auth.Actor{
		"c1": {UserID: "c-1", Role: auth.Customer}, "c2": {UserID: "c-2", Role: auth.Customer},
		"v1": {UserID: "u-v1", Role: auth.Vendor, VendorID: "v-1"}, "v2": {UserID: "u-v2", Role: auth.Vendor, VendorID: "v-2"},
		"admin": {UserID: "a", Role: auth.Admin},
	}
	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(),
		Verify: auth.VerifierFunc(func(_ context.Context, token string) (auth.Actor, error) {
			if c, ok := callers[token]; ok {
				return c, nil
			}
			return auth.Actor{}, errors.New("unknown token")
		}),
		Orders: orderq.New(db.R, db.Rebind), Blobs: files, BlobLinks: &links})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		token, path string
		code        int
		want        string
	}{
		{"v1", "/v1/blob-links?key=kyc/v-1/a.pdf", 200, `"url":"/v1/blobs/kyc/v-1/a.pdf?expires=`},
		{"admin", "/v1/blob-links?key=kyc/v-1/a.pdf", 200, `"key":"kyc/v-1/a.pdf"`},
		{"v2", "/v1/blob-links?key=kyc/v-1/a.pdf", 403, "auth.not_owner"},
		{"c1", "/v1/blob-links?key=kyc/v-1/a.pdf", 403, "auth.not_owner"},
		{"v2", "/v1/blob-links?key=labels/v-1/l.pdf", 403, "auth.not_owner"},
		{"c2", "/v1/blob-links?key=products/p-1/i.png", 200, `"url":`},
		{"c1", "/v1/blob-links?key=invoices/o-1/invoice.pdf", 200, `"url":`},
		{"c2", "/v1/blob-links?key=invoices/o-1/invoice.pdf", 403, "auth.not_owner"},
		{"v1", "/v1/blob-links?key=invoices/o-1/invoice.pdf", 403, "auth.not_owner"},
		{"v1", "/v1/blob-links?key=kyc/v-1/../../etc/passwd", 400, CodeBlobBadKey},
		{"v1", "/v1/blob-links?key=kyc/v-1/missing.pdf", 404, CodeBlobNotFound},
		{"", "/v1/blob-links?key=products/p-1/i.png", 401, "auth.token_missing"},
		{"c2", "/v1/orders/o-1/invoice", 403, "auth.not_owner"},
		{"c1", "/v1/orders/o-404/invoice", 404, "view.not_found"},
		{"admin", "/v1/orders/o-404/invoice", 404, CodeBlobNotFound},
		{"", "/v1/orders/o-1/invoice", 401, "auth.token_missing"},
	} {
		rec := serve(api, c.token, c.path)
		if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s GET %s: %d %s, want %d with %s", c.token, c.path, rec.Code, rec.Body, c.code, c.want)
		}
		if c.code >= 400 && rec.Header().Get("Content-Type") != httpx.ContentType {
			t.Errorf("%s GET %s: error as %s", c.token, c.path, rec.Header().Get("Content-Type"))
		}
	}

	// The customer's invoice: a redirect to a signed link that serves the PDF, without a token.
	rec := serve(api, "c1", "/v1/orders/o-1/invoice")
	loc := rec.Header().Get("Location")
	if rec.Code != 302 || !strings.HasPrefix(loc, "/v1/blobs/invoices/o-1/invoice.pdf?") {
		t.Fatalf("invoice: %d, Location %q", rec.Code, loc)
	}
	dl := serve(api, "", loc)
	if dl.Code != 200 || !bytes.Equal(dl.Body.Bytes(), pdf) || dl.Header().Get("Content-Type") != blob.PDF {
		t.Fatalf("download: %d %s", dl.Code, dl.Header())
	}
	for _, tampered := range []string{
		strings.Replace(loc, "o-1", "o-2", 1),
		strings.Replace(loc, "expires=", "expires=9", 1),
		loc[:strings.Index(loc, "&sig=")+5] + strings.Repeat("0", 64),
		"/v1/blobs/kyc/v-1/a.pdf",
	} {
		if rec := serve(api, "", tampered); rec.Code != 403 {
			t.Errorf("tampered link %s answered %d", tampered, rec.Code)
		}
	}
}
