package readapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/httpx"
)

// LinkTTL is how long a download link handed out here stays valid.
const LinkTTL = 5 * time.Minute

// Codes of the blob routes' refusals.
const (
	CodeBlobNotFound = "blob.not_found"
	CodeBlobBadKey   = "blob.invalid_key"
)

// Link is a time-limited download URL.
type Link struct {
	Key       string    `json:"key"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// blobRoutes: download links for blobs (product images for anyone signed
// in; a vendor's KYC documents and labels for that vendor and staff; an
// order's invoice for its customer and staff), the invoice of an order as
// a redirect to its link, and, for a store that cannot presign (files in
// the data dir), the signed downloads themselves.
func (s *Server) blobRoutes() {
	store := s.deps.Blobs
	if store == nil {
		return
	}
	if l := s.deps.BlobLinks; l != nil {
		s.api.Handle(httpx.Operation{Method: "GET", Path: blob.LinkPath + "{key:.+}", ID: "downloadBlob", Tag: "blobs", ContentType: "application/octet-stream",
			Summary: "A blob through a signed link handed out by getBlobLink or getInvoice (no token: the signature is the permission).", Errors: []int{403, 404}},
			blob.Serve(store, *l, s.log))
	}
	s.Handle(Route{
		Op:    httpx.Operation{Path: "/v1/blob-links", ID: "getBlobLink", Tag: "blobs", Summary: "A download link (5 minutes) for ?key: product images for anyone, KYC documents and labels for their vendor and staff, invoices for the order's customer and staff."},
		Roles: []auth.Role{auth.Customer, auth.Vendor, auth.Influencer, auth.Admin, auth.SuperAdmin, auth.Auditor},
		Read: func(ctx context.Context, c *Call) (any, error) {
			key := c.Query.Get("key")
			if err := blob.CheckKey(key); err != nil {
				return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBlobBadKey, Detail: "key is not a blob key", Err: err}
			}
			if err := s.mayRead(ctx, c.Caller, key); err != nil {
				return nil, err
			}
			return s.link(ctx, key)
		},
	})
	s.api.Handle(httpx.Operation{Method: "GET", Path: "/v1/orders/{id}/invoice", ID: "getInvoice", Tag: "orders", Status: http.StatusFound,
		Summary: "The order's invoice (PDF): a redirect to a download link, for the order's customer and staff; 404 until the order is confirmed.", Errors: []int{401, 403, 404}},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			caller, err := auth.Authenticate(w, r, s.verify)
			if err == nil {
				key := string(blob.Invoice) + "/" + mux.Vars(r)["id"] + "/invoice.pdf"
				var l Link
				if err = blob.CheckKey(key); err != nil {
					err = &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBlobBadKey, Detail: "the order ID cannot name an invoice", Err: err}
				} else if err = s.mayRead(r.Context(), caller, key); err == nil {
					if l, err = s.link(r.Context(), key); err == nil {
						w.Header().Set("Cache-Control", "no-store")
						http.Redirect(w, r, l.URL, http.StatusFound)
						return
					}
				}
			}
			s.api.Renderer().Error(w, r, err)
		}))
}

// mayRead checks the caller may read the blob: the key's second segment
// is its owner, as the upload routes and the invoices projector lay keys
// out (an upload's owner comes from the token, never from the client).
func (s *Server) mayRead(ctx context.Context, caller auth.Actor, key string) error {
	owner := blob.Owner(key)
	switch blob.KindOf(key) {
	case blob.ProductImage:
		return nil
	case blob.KYCDocument, blob.Label:
		if caller.Role.ReadsAll() || (caller.Role == auth.Vendor && caller.VendorID == owner) {
			return nil
		}
		return notOwner("blob " + key)
	case blob.Invoice:
		if caller.Role.Staff() || caller.Role == auth.Auditor {
			return nil
		}
		if s.deps.Orders == nil || caller.Role != auth.Customer {
			return notOwner("invoice of order " + owner)
		}
		d, err := s.deps.Orders.Get(ctx, owner)
		if err != nil {
			return notFound(err, "order "+owner)
		}
		if d.CustomerID != caller.UserID {
			return notOwner("order " + owner)
		}
		return nil
	}
	return &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBlobBadKey, Detail: "no such kind of blob"}
}

func (s *Server) link(ctx context.Context, key string) (Link, error) {
	if _, err := s.deps.Blobs.Stat(ctx, key); err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return Link{}, &httpx.Error{Kind: httpx.KindNotFound, Code: CodeBlobNotFound, Detail: key + " is not stored (an invoice appears once its order is confirmed)", Err: err}
		}
		return Link{}, err
	}
	u, err := s.deps.Blobs.PresignGet(ctx, key, LinkTTL)
	if err != nil {
		return Link{}, err
	}
	return Link{Key: key, URL: u, ExpiresAt: time.Now().Add(LinkTTL).UTC().Truncate(time.Second)}, nil
}
