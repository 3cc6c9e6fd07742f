// Package imaging makes the resized variants of product images: decode a
// JPEG, PNG or WebP (by its sniffed type, refusing images whose declared
// dimensions would blow up memory), scale with Catmull-Rom so the longest
// side is at most the variant's size, flatten transparency on white and
// encode as JPEG.
//
// It may import the standard library and golang.org/x/image.
package imaging
