// Package product owns a catalog entry: a perfume listed by one vendor, with
// its bilingual name, brand, category, scent profile, origin ("original" or
// "inspired by"), images (blob keys) and one SKU per size, each priced per
// currency. Listed, updated, repriced, delisted; only its vendor changes it.
//
// It may import the standard library and the domain kernel only.
package product
