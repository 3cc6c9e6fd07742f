// Package catalog generates a realistic, deterministic perfume catalog: GCC
// style brands and vendors with Arabic names, the real vocabulary of notes,
// accords and oud types, sizes by category, tax-inclusive prices in AED and
// SAR, and stock per SKU at a Dubai and a Riyadh warehouse. The same seed
// always yields the same catalog, so `souq seed` and the search acceptance
// suite share it.
//
// It may import the standard library and the domain only.
package catalog
