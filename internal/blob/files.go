package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Files is the embedded store: one file per blob under a root directory
// (the data dir's blobs/). A Put is written to a temporary file in the
// root's .tmp/, fsynced, renamed over the final name and the directory
// fsynced, so a reader sees the whole old blob or the whole new one and an
// acknowledged Put survives a crash. The content type is not stored: the
// allow-lists hold only types that sniff unambiguously, and Put proved the
// bytes sniff as declared, so it is read back from the first 512 bytes.
// Files cannot presign: its links are signed by Links and served by the
// read API.
type Files struct {
	root  string
	links Links
}

// NewFiles opens (creating) a store rooted at dir.
func NewFiles(dir string, links Links) (*Files, error) {
	if len(links.Secret) < 32 {
		return nil, errors.New("blob: the link secret needs 32+ bytes")
	}
	if err := os.MkdirAll(filepath.Join(dir, ".tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", dir, err)
	}
	return &Files{root: dir, links: links}, nil
}

// Links are the store's link signer, for the read API's download route.
func (f *Files) Links() Links { return f.links }

func (f *Files) path(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	p := filepath.Join(f.root, filepath.FromSlash(key))
	// CheckKey already rules escapes out; this is the belt to its braces.
	if rel, err := filepath.Rel(f.root, p); err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%w: %q", errInvalidPath, key)
	}
	return p, nil
}

// Put implements Store.
func (f *Files) Put(ctx context.Context, kind Kind, key, contentType string, size int64, r io.Reader) (Info, error) {
	body, err := Checked(kind, key, contentType, size, r)
	if err != nil {
		return Info{}, err
	}
	final, err := f.path(key)
	if err != nil {
		return Info{}, err
	}
	tmp, err := os.CreateTemp(filepath.Join(f.root, ".tmp"), "put-*")
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, ctxReader{ctx, body}); err != nil {
		return Info{}, fmt.Errorf("blob: write %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob: sync %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: close %s: %w", key, err)
	}
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Info{}, fmt.Errorf("blob: rename into %s: %w", key, err)
	}
	done = true
	if err := syncDir(dir); err != nil {
		return Info{}, err
	}
	st, err := os.Stat(final)
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	return Info{Key: key, ContentType: contentType, Size: size, Modified: st.ModTime().UTC()}, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob: sync %s: %w", dir, err)
	}
	return nil
}

// Get implements Store.
func (f *Files) Get(_ context.Context, key string) (io.ReadCloser, Info, error) {
	p, err := f.path(key)
	if err != nil {
		return nil, Info{}, err
	}
	file, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("blob: %w", err)
	}
	info, err := describe(file, key)
	if err == nil {
		_, err = file.Seek(0, io.SeekStart)
	}
	if err != nil {
		_ = file.Close()
		return nil, Info{}, err
	}
	return file, info, nil
}

// Stat implements Store.
func (f *Files) Stat(ctx context.Context, key string) (Info, error) {
	rc, info, err := f.Get(ctx, key)
	if err != nil {
		return Info{}, err
	}
	_ = rc.Close()
	return info, nil
}

func describe(file *os.File, key string) (Info, error) {
	st, err := file.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	if !st.Mode().IsRegular() {
		return Info{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(file, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Info{}, fmt.Errorf("blob: read %s: %w", key, err)
	}
	return Info{Key: key, ContentType: Sniff(head[:n]), Size: st.Size(), Modified: st.ModTime().UTC()}, nil
}

// Delete implements Store.
func (f *Files) Delete(_ context.Context, key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// PresignGet implements Store with a link the read API serves.
func (f *Files) PresignGet(_ context.Context, key string, ttl time.Duration) (string, error) {
	return f.links.Sign(key, ttl)
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
