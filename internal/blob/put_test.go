package blob_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/souq-market/souq/internal/blob"
)

// PutContent stores under the content key, so storing the same label again
// answers the same key, and refuses what the kind does not take.
func TestPutContent(t *testing.T) {
	ctx := context.Background()
	st, err := blob.NewFiles(t.TempDir(), blob.Links{Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
	key, err := blob.PutContent(ctx, st, blob.Label, "v-1", blob.PDF, pdf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "labels/v-1/") || !strings.HasSuffix(key, ".pdf") {
		t.Fatalf("key %q", key)
	}
	again, err := blob.PutContent(ctx, st, blob.Label, "v-1", blob.PDF, pdf)
	if err != nil || again != key {
		t.Fatalf("again: %q, %v; first %q", again, err, key)
	}
	rc, _, err := st.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != string(pdf) {
		t.Fatalf("stored %q", got)
	}
	if _, err := blob.PutContent(ctx, st, blob.Label, "v-1", blob.PDF, []byte("<html>not a label</html>")); !errors.Is(err, blob.ErrRefused) {
		t.Fatalf("HTML as a PDF label: %v, want refused", err)
	}
}
