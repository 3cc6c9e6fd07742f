package scent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/souq-market/souq/domain"
)

// ImageDim is the dimension of image embeddings (CLIP ViT-B/32 and its
// kin).
const ImageDim = 512

// Image is an image to embed: its bytes and their media type.
type Image struct {
	Data        []byte
	ContentType string // image/jpeg, image/png or image/webp
}

// Embedder turns an image into an ImageDim embedding, L2-normalised.
type Embedder interface {
	Embed(ctx context.Context, img Image) (Vector, error)
}

// ErrEmbedder: the model service failed or answered out of shape.
var ErrEmbedder = errors.New("scent: embedder failed")

// ErrImageRefused: the model service refused this image (400, 413, 415 or
// 422): asking again will not help, unlike any other ErrEmbedder. It wraps
// ErrEmbedder.
var ErrImageRefused = fmt.Errorf("%w: the image was refused", ErrEmbedder)

// ImageVersion numbers the image embeddings' layout (the model's space):
// a new model is a new version, indexed from zero beside the old.
const ImageVersion = 1

// ImageView is the name of the projector feeding the image index: its
// checkpoint key.
func ImageView() string { return "scent-images-v" + strconv.Itoa(ImageVersion) }

// HTTPEmbedder calls a CLIP-style model service over HTTP. The shape it
// speaks (the service's side is a thin wrapper around any CLIP model):
//
//	POST {URL}/embed
//	Content-Type: application/json
//	{"model": "clip", "inputs": [{"image": "<base64>", "content_type": "image/jpeg"}]}
//
//	200 application/json
//	{"model": "clip-vit-b-32", "dim": 512, "embeddings": [[0.01, …]]}
//
// Any other status, a dim other than ImageDim, a count other than one, or
// a non-finite value is an ErrEmbedder; a 503 or 429 is domain.Unavailable
// so callers may retry later; a 400, 413, 415 or 422 is ErrImageRefused
// (this image will never embed). This is the shape of a thin wrapper, not
// of one product: a service that speaks another (Jina's /v1/embeddings,
// clip-as-service's /post) needs a few lines of proxy.
type HTTPEmbedder struct {
	URL    string
	Model  string // sent as "model"; default "clip"
	Client *http.Client
}

// NewHTTPEmbedder returns an embedder for the service at url, with a 10 s
// timeout per call.
func NewHTTPEmbedder(url string) *HTTPEmbedder {
	return &HTTPEmbedder{URL: strings.TrimRight(url, "/"), Model: "clip", Client: &http.Client{Timeout: 10 * time.Second}}
}

type embedRequest struct {
	Model  string       `json:"model"`
	Inputs []embedInput `json:"inputs"`
}

type embedInput struct {
	Image       string `json:"image"`
	ContentType string `json:"content_type"`
}

type embedResponse struct {
	Model      string      `json:"model"`
	Dim        int         `json:"dim"`
	Embeddings [][]float32 `json:"embeddings"`
}

// Embed sends one image and returns its embedding, L2-normalised.
func (e *HTTPEmbedder) Embed(ctx context.Context, img Image) (Vector, error) {
	if len(img.Data) == 0 {
		return nil, domain.Errorf(domain.Invalid, "scent.empty_image", "the image is empty")
	}
	body, err := json.Marshal(embedRequest{Model: e.Model, Inputs: []embedInput{{
		Image: base64.StdEncoding.EncodeToString(img.Data), ContentType: img.ContentType}}})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+"/embed", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEmbedder, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := e.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEmbedder, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEmbedder, err)
	}
	switch {
	case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("%w: %w", ErrEmbedder, domain.Errorf(domain.Unavailable, "scent.embedder_unavailable", "the image model answered %d", resp.StatusCode))
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusRequestEntityTooLarge ||
		resp.StatusCode == http.StatusUnsupportedMediaType || resp.StatusCode == http.StatusUnprocessableEntity:
		return nil, fmt.Errorf("%w: status %d: %.200s", ErrImageRefused, resp.StatusCode, raw)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%w: status %d: %.200s", ErrEmbedder, resp.StatusCode, raw)
	}
	var out embedResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEmbedder, err)
	}
	if out.Dim != ImageDim || len(out.Embeddings) != 1 || len(out.Embeddings[0]) != ImageDim {
		return nil, fmt.Errorf("%w: want one %d-dimension embedding, got dim %d and %d embeddings", ErrEmbedder, ImageDim, out.Dim, len(out.Embeddings))
	}
	v := make([]float64, ImageDim)
	for i, x := range out.Embeddings[0] {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("%w: value %d is not finite", ErrEmbedder, i)
		}
		v[i] = float64(x)
	}
	scale(v, 1)
	res := make(Vector, ImageDim)
	for i, x := range v {
		res[i] = float32(x)
	}
	return res, nil
}
