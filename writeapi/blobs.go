package writeapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/internal/imaging"
)

// Codes of the upload routes' refusals.
const (
	CodeBlobType       = "blob.unsupported_type"
	CodeBlobTypeLie    = "blob.type_mismatch"
	CodeBlobEmpty      = "blob.empty"
	CodeBlobNoFile     = "blob.no_file"
	CodeBlobBadKey     = "blob.invalid_key"
	CodeBlobUndecoding = "blob.undecodable_image"
)

// multipartSlack is what a multipart body may add around its file part
// (boundaries, part headers) before it counts as too large.
const multipartSlack = 64 << 10

// ImageAnswer is the answer of an image upload: the product command's
// answer and the keys stored.
type ImageAnswer struct {
	Answer
	Image    blob.Info         `json:"image"`
	Variants map[string]string `json:"variants"` // "256" → key
}

// blobRoutes are the uploads: product images (the original and its
// resized variants, attached to the product by its update command) and a
// vendor's KYC documents (stored; the vendor then files their keys with
// POST /v1/vendors/{id}/kyc-documents). The bytes' type is sniffed, never
// taken from the client; sizes are checked before anything is read past
// the kind's limit; keys are content-addressed under the owner, so a
// retried upload stores nothing new.
func (s *server) blobRoutes(store blob.Store) {
	if store == nil {
		return
	}
	errs := []int{400, 401, 403, 404, 409, 413, 415, 422}
	s.api.Handle(httpx.Operation{Method: "POST", Path: "/v1/products/{id}/images", ID: "uploadProductImage", Tag: "products", Status: 201, Errors: errs,
		Summary: "Upload a product image (JPEG, PNG or WebP up to 10 MB, raw body or multipart field \"file\"); it is stored with 256 and 1024 px variants and added to the product's images."},
		auth.Require(s.verifier, s.api.Renderer(), vendorRoles...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ans, err := s.uploadImage(w, r, store)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			w.Header().Set("X-Souq-Position", strconv.FormatUint(uint64(ans.Position), 10))
			if ans.Replayed {
				w.Header().Set("Idempotency-Replayed", "true")
			}
			writeJSON(w, http.StatusCreated, ans)
		})))
	s.api.Handle(httpx.Operation{Method: "POST", Path: "/v1/vendors/{id}/kyc-uploads", ID: "uploadVendorKYC", Tag: "vendors", Status: 201, Errors: errs,
		Summary: "Upload a KYC document (PDF, JPEG or PNG up to 20 MB) of the vendor itself; file its key with submitVendorKYC."},
		auth.Require(s.verifier, s.api.Renderer(), vendorRoles...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info, err := s.uploadKYC(w, r, store)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			writeJSON(w, http.StatusCreated, info)
		})))
}

func (s *server) uploadImage(w http.ResponseWriter, r *http.Request, store blob.Store) (ImageAnswer, error) {
	ctx := r.Context()
	actor, _ := auth.From(ctx)
	c := &call{actor: actor, vars: mux.Vars(r), meta: commands.Meta{Actor: eventActor(actor)}}
	// Ownership before the body is read: a stranger's upload costs nothing.
	stream, err := s.ownProduct(ctx, c)
	if err != nil {
		return ImageAnswer{}, err
	}
	data, typ, err := readUpload(w, r, blob.ProductImage)
	if err != nil {
		return ImageAnswer{}, err
	}
	if err := s.idempotency(r, data, c); err != nil {
		return ImageAnswer{}, err
	}
	variants, err := imaging.Variants(data, typ, imaging.Sizes)
	if err != nil {
		return ImageAnswer{}, &httpx.Error{Kind: httpx.KindUnprocessable, Code: CodeBlobUndecoding, Detail: "the image cannot be decoded (corrupt, or more than 50 megapixels)", Err: err}
	}
	id := domain.ProductID(c.vars["id"])
	key := blob.ContentKey(blob.ProductImage, string(id), data, typ)
	// Variants first: once the original's key is in an event, its variants
	// are there to be served.
	keys := map[string]string{}
	for _, v := range variants {
		vk := blob.VariantKey(key, v.Size)
		if _, err := store.Put(ctx, blob.ProductImage, vk, blob.JPEG, int64(len(v.JPEG)), bytes.NewReader(v.JPEG)); err != nil {
			return ImageAnswer{}, uploadError(err)
		}
		keys[strconv.Itoa(v.Size)] = vk
	}
	info, err := store.Put(ctx, blob.ProductImage, key, typ, int64(len(data)), bytes.NewReader(data))
	if err != nil {
		return ImageAnswer{}, uploadError(err)
	}
	now := s.now()
	// The image is added to the details the executor loads, not to a copy
	// read earlier: two uploads racing both end up in the product.
	res, err := commands.Execute(ctx, s.exec, c.meta, commands.Step[*product.Product]{
		Stream: stream,
		New:    func() *product.Product { return product.New(id) },
		Decide: func(p *product.Product) error {
			d := p.Details()
			if slices.Contains(d.Images, key) {
				return nil // uploaded before: nothing to record
			}
			d.Images = append(slices.Clone(d.Images), key)
			vendor := domain.VendorID(c.actor.VendorID)
			if c.staff() {
				vendor = p.Vendor()
			}
			return p.Update(product.Update{VendorID: vendor, Details: d}, now)
		},
	})
	if err != nil {
		return ImageAnswer{}, err
	}
	return ImageAnswer{Answer: Answer{CommandID: c.meta.CommandID, Stream: res.Stream, Revision: res.Revision, Position: res.Position,
		Events: res.Events, Replayed: res.Replayed}, Image: info, Variants: keys}, nil
}

func (s *server) uploadKYC(w http.ResponseWriter, r *http.Request, store blob.Store) (blob.Info, error) {
	actor, _ := auth.From(r.Context())
	c := &call{actor: actor, vars: mux.Vars(r)}
	if _, err := s.ownVendor(c); err != nil {
		return blob.Info{}, err
	}
	data, typ, err := readUpload(w, r, blob.KYCDocument)
	if err != nil {
		return blob.Info{}, err
	}
	key := blob.ContentKey(blob.KYCDocument, c.vars["id"], data, typ)
	info, err := store.Put(r.Context(), blob.KYCDocument, key, typ, int64(len(data)), bytes.NewReader(data))
	if err != nil {
		return blob.Info{}, uploadError(err)
	}
	return info, nil
}

// readUpload reads an upload of kind: the raw body, or the part named
// "file" of a multipart/form-data body. A Content-Length over the kind's
// limit is refused before reading; a body that turns out longer is
// refused as soon as the limit is passed. The type is sniffed from the
// bytes; a client that declared another specific type is refused too, as
// its header lies about the content.
func readUpload(w http.ResponseWriter, r *http.Request, kind blob.Kind) ([]byte, string, error) {
	rule, _ := blob.Rules(kind)
	tooLarge := &statusError{http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("%s may be at most %d bytes", kind, rule.MaxSize)}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil && r.Header.Get("Content-Type") != "" {
		return nil, "", &statusError{http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "the Content-Type cannot be parsed"}
	}
	limit := rule.MaxSize
	if mt == "multipart/form-data" {
		limit += multipartSlack
	}
	if r.ContentLength > limit {
		return nil, "", tooLarge
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	var (
		src      io.Reader = body
		declared           = mt
	)
	if mt == "multipart/form-data" {
		part, err := filePart(body, params["boundary"])
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return nil, "", tooLarge
			}
			return nil, "", err
		}
		defer part.Close()
		src, declared = part, ""
		if pt, _, err := mime.ParseMediaType(part.Header.Get("Content-Type")); err == nil {
			declared = pt
		}
	}
	data, err := io.ReadAll(io.LimitReader(src, rule.MaxSize+1))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok || int64(len(data)) > rule.MaxSize {
		return nil, "", tooLarge
	}
	if err != nil {
		return nil, "", &httpx.Error{Kind: httpx.KindInvalid, Code: CodeMalformed, Detail: "the body could not be read", Err: err}
	}
	if len(data) == 0 {
		return nil, "", &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBlobEmpty, Detail: "the upload is empty"}
	}
	typ := blob.Sniff(data)
	if !slices.Contains(rule.Types, typ) {
		return nil, "", &statusError{http.StatusUnsupportedMediaType, CodeBlobType, fmt.Sprintf("%s takes %v; the content is %s", kind, rule.Types, typ)}
	}
	if declared != "" && declared != "application/octet-stream" && declared != typ {
		return nil, "", &statusError{http.StatusUnsupportedMediaType, CodeBlobTypeLie, fmt.Sprintf("declared %s, the content is %s", declared, typ)}
	}
	return data, typ, nil
}

// filePart finds the multipart part named "file"; other fields before it
// are skipped (read, within the body's limit).
func filePart(body io.Reader, boundary string) (*multipart.Part, error) {
	if boundary == "" {
		return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeMalformed, Detail: "the multipart body has no boundary"}
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBlobNoFile, Detail: `the multipart body has no part named "file"`}
		}
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return nil, err
			}
			return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeMalformed, Detail: "the multipart body is malformed", Err: err}
		}
		if part.FormName() == "file" {
			return part, nil
		}
		_ = part.Close()
	}
}

// uploadError shows a store's refusal: too large 413, a type 415, the
// rest of the request's making 400; anything else is the server's.
func uploadError(err error) error {
	switch {
	case errors.Is(err, blob.ErrTooLarge):
		return &statusError{http.StatusRequestEntityTooLarge, CodeTooLarge, err.Error()}
	case errors.Is(err, blob.ErrType), errors.Is(err, blob.ErrSniffed):
		return &statusError{http.StatusUnsupportedMediaType, CodeBlobType, err.Error()}
	case errors.Is(err, blob.ErrBadKey):
		return &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBlobBadKey, Detail: "the owner's ID cannot name a blob", Err: err}
	case errors.Is(err, blob.ErrRefused):
		return &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBlobEmpty, Detail: err.Error(), Err: err}
	}
	return fmt.Errorf("writeapi: store the upload: %w", err)
}
