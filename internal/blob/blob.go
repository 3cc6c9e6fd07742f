package blob

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Kind is what a blob is for; it decides which content types and sizes Put
// accepts and the first segment of its key.
type Kind string

// The kinds of blob souq stores.
const (
	ProductImage Kind = "products"
	KYCDocument  Kind = "kyc"
	Label        Kind = "labels"
	Invoice      Kind = "invoices"
)

// Content types of the allow-lists, as http.DetectContentType names them.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
	WebP = "image/webp"
	PDF  = "application/pdf"
)

// Rule is what Put accepts for a kind.
type Rule struct {
	Types   []string
	MaxSize int64 // bytes
}

// Rules is the allow-list: images for the catalogue (10 MB), scans and
// PDFs for KYC (20 MB), PDFs for labels and invoices (5 MB, generous for a
// page or two).
func Rules(k Kind) (Rule, bool) {
	switch k {
	case ProductImage:
		return Rule{Types: []string{JPEG, PNG, WebP}, MaxSize: 10 << 20}, true
	case KYCDocument:
		return Rule{Types: []string{PDF, JPEG, PNG}, MaxSize: 20 << 20}, true
	case Label, Invoice:
		return Rule{Types: []string{PDF}, MaxSize: 5 << 20}, true
	}
	return Rule{}, false
}

// Info describes a stored blob.
type Info struct {
	Key         string    `json:"key"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Modified    time.Time `json:"modified"`
}

// Store keeps blobs. Keys are chosen by the caller (content-addressed or
// random, see NewKey) and checked with CheckKey; Put reads exactly size
// bytes whose sniffed type must be the declared one.
type Store interface {
	// Put stores r under key, replacing what was there. kind decides what
	// is accepted; size must be the exact length of r. Nothing is stored
	// when it fails.
	Put(ctx context.Context, kind Kind, key, contentType string, size int64, r io.Reader) (Info, error)
	// Get opens a blob; the caller closes it. ErrNotFound when absent.
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Stat describes a blob; ErrNotFound when absent.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes a blob; deleting an absent one is not an error.
	Delete(ctx context.Context, key string) error
	// PresignGet is a URL that downloads the blob without credentials
	// until ttl has passed. It does not check that the blob exists.
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// Errors of the stores, matched with errors.Is. Every refusal of Put wraps
// ErrRefused and one of the more precise errors.
var (
	ErrNotFound    = errors.New("blob: not found")
	ErrRefused     = errors.New("blob: refused")
	ErrBadKey      = errors.New("blob: invalid key")
	ErrBadKind     = errors.New("blob: unknown kind")
	ErrType        = errors.New("blob: content type not allowed")
	ErrTooLarge    = errors.New("blob: too large")
	ErrEmpty       = errors.New("blob: empty")
	ErrSize        = errors.New("blob: size differs from the declared one")
	ErrSniffed     = errors.New("blob: content is not of its declared type")
	ErrBadTTL      = errors.New("blob: link lifetime out of range")
	ErrBadLink     = errors.New("blob: link signature invalid or expired")
	errInvalidPath = errors.New("blob: key escapes the store")
)

func refused(err error, format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrRefused, err, fmt.Sprintf(format, args...))
}

// MaxKeyBytes bounds a key (events carry keys; the domain allows 512).
const MaxKeyBytes = 512

// CheckKey accepts keys of "/"-separated segments of ASCII letters,
// digits and "-_.:", none empty, none starting with a dot (so no "." or
// "..", and no hidden files), at most MaxKeyBytes, starting with a Kind.
// Such a key is the same path on every store and cannot leave its root.
func CheckKey(key string) error {
	if key == "" || len(key) > MaxKeyBytes {
		return fmt.Errorf("%w: %q must be 1 to %d bytes", ErrBadKey, key, MaxKeyBytes)
	}
	segs := strings.Split(key, "/")
	if _, ok := Rules(Kind(segs[0])); !ok || len(segs) < 2 {
		return fmt.Errorf("%w: %q must start with a kind (products/, kyc/, labels/, invoices/) and name a file under it", ErrBadKey, key)
	}
	for _, s := range segs {
		if s == "" || s[0] == '.' {
			return fmt.Errorf("%w: %q has an empty segment or one starting with a dot", ErrBadKey, key)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':') {
				return fmt.Errorf("%w: %q may hold only letters, digits and -_.:/", ErrBadKey, key)
			}
		}
	}
	return nil
}

// KindOf is the kind a key belongs to (its first segment).
func KindOf(key string) Kind {
	k, _, _ := strings.Cut(key, "/")
	return Kind(k)
}

// Ext is the file extension souq gives a content type.
func Ext(contentType string) string {
	switch contentType {
	case JPEG:
		return ".jpg"
	case PNG:
		return ".png"
	case WebP:
		return ".webp"
	case PDF:
		return ".pdf"
	}
	return ""
}

// Sniff names the content type of the first bytes of a blob as
// http.DetectContentType does, without its parameters.
func Sniff(head []byte) string {
	t, _, _ := strings.Cut(http.DetectContentType(head), ";")
	return strings.TrimSpace(t)
}

// Checked is the guard every store puts a blob through: the kind, the key,
// the declared type against the allow-list, the size against the limit
// and against zero, and the sniffed type against the declared one. It
// returns a reader that fails with ErrSize unless exactly size bytes come.
func Checked(kind Kind, key, contentType string, size int64, r io.Reader) (io.Reader, error) {
	rule, ok := Rules(kind)
	switch {
	case !ok:
		return nil, refused(ErrBadKind, "%q", kind)
	case KindOf(key) != kind:
		return nil, refused(ErrBadKey, "key %q is not under %s/", key, kind)
	}
	if err := CheckKey(key); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	switch {
	case !slices.Contains(rule.Types, contentType):
		return nil, refused(ErrType, "%s takes %s, not %q", kind, strings.Join(rule.Types, ", "), contentType)
	case size == 0:
		return nil, refused(ErrEmpty, "a blob needs content")
	case size < 0 || size > rule.MaxSize:
		return nil, refused(ErrTooLarge, "%s takes at most %d bytes, not %d", kind, rule.MaxSize, size)
	}
	br := bufio.NewReaderSize(r, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("blob: read the content: %w", err)
	}
	if got := Sniff(head); got != contentType {
		return nil, refused(ErrSniffed, "declared %s, the content is %s", contentType, got)
	}
	return &exact{r: br, left: size}, nil
}

// exact passes through exactly the declared number of bytes: fewer is an
// error at EOF, more is an error as soon as a byte past the end arrives.
type exact struct {
	r    io.Reader
	left int64
}

func (e *exact) Read(p []byte) (int, error) {
	if e.left == 0 {
		var one [1]byte
		n, err := e.r.Read(one[:])
		if n > 0 {
			return 0, refused(ErrSize, "more bytes than declared")
		}
		if err == nil {
			return 0, nil
		}
		return 0, err // io.EOF: exactly the size
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if errors.Is(err, io.EOF) && e.left > 0 {
		return n, refused(ErrSize, "%d bytes fewer than declared", e.left)
	}
	if errors.Is(err, io.EOF) {
		err = nil // the next call checks that nothing follows
	}
	return n, err
}
