// Package scent owns scent match, the reader side: the deterministic
// scent-profile vector, the Index port every vector store implements, the
// business rules that re-rank what the index finds (in one place: Rules),
// the Reader behind GET /v1/products/{id}/similar, /v1/scents/match and
// /v1/me/recommendations, and the Embedder port of image similarity with
// its HTTP adapter for a CLIP-style model service.
//
// # The scent vector (Dim = 253, float32, L2-normalised, never negative)
//
// A frozen vocabulary lays the vector out in blocks; the order of the
// lists in vocab.go is the layout and may only ever grow at the hashed
// buckets' expense with a new VectorVersion.
//
//	top   [0,64)    64 note slots: 56 named notes, then 8 buckets where an
//	heart [64,128)  unknown note lands by FNV-1a of its normalised name
//	base  [128,192) (so "yuzu" is still matched with "yuzu", never lost)
//	accords [192,224)  24 named accords, 8 hashed buckets
//	oud type [224,232) 7 named types and one "other"
//	season  [232,236)  winter, spring, summer, autumn
//	occasion [236,244) 7 named occasions and one "other"
//	longevity [244,248) weak … eternal, ordinal
//	sillage  [248,252)  intimate … enormous, ordinal
//	none    [252]      1 only when the profile says nothing at all
//
// A note counts 1 in the block of its position and 0.35 in the adjacent
// positions' blocks (top↔heart↔base): a note that sits in the heart of one
// perfume and the base of another is a partial match, not none (cosine
// 0.59 for one note moved one step); two steps apart, top and base meet
// only in their heart echoes (0.11). A note
// given without a position (a shopper's description) counts 1 in all
// three. The ordinal scales count 1 at their value and 0.5 at its
// neighbours, so "long lasting" is nearer "eternal" than "weak". Each block
// is then L2-normalised and scaled by its weight (the Weight constants:
// the notes and accords carry the character, 1 per note position and 1
// for accords; oud type 0.4, season and occasion 0.25, longevity and
// sillage 0.15 only nudge; the three note blocks are normalised together,
// which keeps the 0.35 echoes at their ratio), and the whole vector is L2-normalised, so the
// dot product of two vectors is their cosine. Names are normalised first
// (lower case, hyphens and underscores as spaces, runs of space collapsed,
// a few aliases such as agarwood → oud). The same profile always gives
// the same vector, bit for bit: no maps are iterated, no randomness.
//
// It is the reader-side package: readapi imports it, so it may import the
// standard library, the domain kernel and the search package (price bands)
// — never the event store. The projector lives in scent/projector, the
// adapters in scent/memindex and scent/qdrant, the acceptance suite every
// adapter runs in scent/scenttest.
package scent
