package blob

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// ContentKey is a content-addressed key: the same bytes of the same owner
// get the same key, so a retried upload stores nothing new.
func ContentKey(kind Kind, owner string, content []byte, contentType string) string {
	sum := sha256.Sum256(content)
	return string(kind) + "/" + owner + "/" + hex.EncodeToString(sum[:16]) + Ext(contentType)
}

// RandomKey is a fresh key under kind/owner/.
func RandomKey(kind Kind, owner, contentType string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return string(kind) + "/" + owner + "/" + hex.EncodeToString(b[:]) + Ext(contentType)
}

// Owner is the second segment of a key: the product, vendor or order the
// blob belongs to, as the routes that store them lay keys out.
func Owner(key string) string {
	parts := strings.SplitN(key, "/", 3)
	if len(parts) < 3 {
		return ""
	}
	return parts[1]
}

// VariantKey names a resized copy of an image: "<key without
// extension>-<px>.jpg". Events carry the original's key; the variants'
// follow from it.
func VariantKey(key string, px int) string {
	base := key
	if i := strings.LastIndexByte(key, '.'); i > strings.LastIndexByte(key, '/') {
		base = key[:i]
	}
	return base + "-" + strconv.Itoa(px) + ".jpg"
}
