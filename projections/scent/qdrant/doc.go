// Package qdrant is the distributed scent.Index, on Qdrant through its gRPC
// client (github.com/qdrant/go-client).
//
// The engine creates and versions what it uses: collection
// souq_scent_v<VectorVersion> (one dense vector of the dimension given,
// cosine distance) with keyword indexes on category, gender, brand and
// top_norm, bool indexes on in_stock and deleted, an integer index on
// revision; and souq_scent_v<N>_state, where the projector's records are
// kept as one-dimension points whose payload holds the record. A new
// vector layout is a new collection, built by its own projector beside the
// old one.
//
// Point IDs are UUIDv5 of the product ID (Qdrant takes only UUIDs and
// integers); the product ID travels in the payload. The revision rule is
// Qdrant's own conditional upsert (update_filter, Qdrant ≥ 1.16): each
// point is written with the filter revision ≤ its revision, so a stale
// write leaves a newer point as it is, atomically on the server, whatever
// other writers do. All points of a call go in one UpdateBatch. A product
// off sale is a tombstone point (deleted = true, its revision kept) that
// every query excludes.
//
// It may import scent, the Qdrant client and google/uuid.
package qdrant
