package blob

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
)

// Serve answers a signed download link (LinkPath + key, ?expires=&sig=)
// from store: 403 for a bad or expired signature, 404 for a blob that is
// gone, else the bytes with their sniffed type, nosniff and a private
// cache for the link's remaining life at most. The read API mounts it for
// stores that cannot presign.
func Serve(store Store, links Links, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.URL.Path, LinkPath)
		q := r.URL.Query()
		if err := links.Verify(key, q.Get("expires"), q.Get("sig")); err != nil {
			http.Error(w, "this link is invalid or has expired", http.StatusForbidden)
			return
		}
		rc, info, err := store.Get(r.Context(), key)
		if errors.Is(err, ErrNotFound) {
			http.Error(w, "no such blob", http.StatusNotFound)
			return
		}
		if err != nil {
			log.Error("serve blob", slog.String("key", key), slog.String("error", err.Error()))
			http.Error(w, "the blob could not be read", http.StatusInternalServerError)
			return
		}
		defer rc.Close()
		h := w.Header()
		h.Set("Content-Type", info.ContentType)
		h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "private, max-age=60")
		if info.ContentType == PDF {
			h.Set("Content-Disposition", `attachment; filename="`+key[strings.LastIndexByte(key, '/')+1:]+`"`)
		}
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = io.Copy(w, rc)
		}
	})
}
