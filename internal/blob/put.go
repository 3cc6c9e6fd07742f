package blob

import (
	"bytes"
	"context"
)

// PutContent stores content under its ContentKey and returns the key. The
// same bytes of the same owner land on the same key, so a retried upload
// (a carrier's label fetched again, a label rendered again) stores nothing
// new.
func PutContent(ctx context.Context, st Store, kind Kind, owner, contentType string, content []byte) (string, error) {
	key := ContentKey(kind, owner, content, contentType)
	if _, err := st.Put(ctx, kind, key, contentType, int64(len(content)), bytes.NewReader(content)); err != nil {
		return "", err
	}
	return key, nil
}
