package scent

import (
	"hash/fnv"
	"math"
	"slices"
	"strings"
)

// Profile is what a scent vector is computed from: a product's scent
// profile, or a shopper's description of one (Notes without a position).
type Profile struct {
	Top, Heart, Base []string
	// Notes are notes without a position: they count in all three.
	Notes     []string
	Accords   []string
	OudType   string
	Seasons   []string
	Occasions []string
	Longevity string
	Sillage   string
}

// Vector is a scent vector: Dim values, L2-normalised.
type Vector []float32

// Block weights (see doc.go): the relative say of each part in the cosine.
const (
	WeightNotes     = 1.0 // each of top, heart, base (scaled together: √3 in all)
	WeightAccords   = 1.0
	WeightOudType   = 0.4
	WeightSeason    = 0.25
	WeightOccasion  = 0.25
	WeightLongevity = 0.15
	WeightSillage   = 0.15
	// adjacent is what a note counts in the positions beside its own.
	adjacent = 0.35
	// neighbour is what an ordinal scale counts one step from its value.
	neighbour = 0.5
)

// layout holds the offsets of each block, computed once from the
// vocabulary (a value, not package state: Vectorize builds it as needed and
// it costs a few hundred nanoseconds).
type layout struct {
	notes, accords, ouds, seasons, occasions, longevity, sillage map[string]int
	noteSlots, accordSlots                                       int
	top, heart, base, accord, oud, season, occasion, long, sill  int
	none, dim                                                    int
}

func index(list []string) map[string]int {
	m := make(map[string]int, len(list))
	for i, v := range list {
		m[v] = i
	}
	return m
}

func newLayout() layout {
	l := layout{
		notes: index(knownNotes()), accords: index(knownAccords()), ouds: index(oudTypes()),
		seasons: index(seasons()), occasions: index(occasions()),
		longevity: index(longevities()), sillage: index(sillages()),
	}
	l.noteSlots = len(knownNotes()) + noteHash
	l.accordSlots = len(knownAccords()) + accordHash
	l.top = 0
	l.heart = l.top + l.noteSlots
	l.base = l.heart + l.noteSlots
	l.accord = l.base + l.noteSlots
	l.oud = l.accord + l.accordSlots
	l.season = l.oud + len(oudTypes()) + 1
	l.occasion = l.season + len(seasons())
	l.long = l.occasion + len(occasions()) + 1
	l.sill = l.long + len(longevities())
	l.none = l.sill + len(sillages())
	l.dim = l.none + 1
	return l
}

// Dim is the dimension of every scent vector.
const Dim = 3*(56+noteHash) + 24 + accordHash + 8 + 4 + 8 + 4 + 4 + 1

// Normalize is how names are compared: lower case, hyphens and
// underscores as spaces, space runs collapsed, aliases resolved.
func Normalize(s string) string {
	clean := true // the common case: already in normal form, no allocation
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c >= 0x80 || c <= ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' ') || c < ' ' {
			clean = false
			break
		}
	}
	if !clean {
		s = strings.ToLower(s)
		s = strings.NewReplacer("-", " ", "_", " ").Replace(s)
		s = strings.Join(strings.Fields(s), " ")
	}
	return alias(s)
}

// slot is a name's place in a list of known names followed by hashed
// buckets; an empty name has none.
func slot(known map[string]int, hashed int, name string) (int, bool) {
	if name == "" {
		return 0, false
	}
	if i, ok := known[name]; ok {
		return i, true
	}
	if hashed == 0 {
		return 0, false
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return len(known) + int(h.Sum32()%uint32(hashed)), true
}

// Vectorize computes p's scent vector. It is a pure function of p: the
// order and repetition of names in its lists do not matter.
func Vectorize(p Profile) Vector {
	l := newLayout()
	v := make([]float64, l.dim)
	notes := func(list []string, weights [3]float64) {
		for _, raw := range list {
			i, ok := slot(l.notes, noteHash, Normalize(raw))
			if !ok {
				continue
			}
			for pos, w := range weights {
				j := []int{l.top, l.heart, l.base}[pos] + i
				v[j] = max(v[j], w) // a repeated note counts once
			}
		}
	}
	notes(p.Top, [3]float64{1, adjacent, 0})
	notes(p.Heart, [3]float64{adjacent, 1, adjacent})
	notes(p.Base, [3]float64{0, adjacent, 1})
	notes(p.Notes, [3]float64{1, 1, 1})
	for _, a := range p.Accords {
		if i, ok := slot(l.accords, accordHash, Normalize(a)); ok {
			v[l.accord+i] = 1
		}
	}
	if o := Normalize(p.OudType); o != "" {
		i, ok := l.ouds[o]
		if !ok {
			i = len(oudTypes()) // other
		}
		v[l.oud+i] = 1
	}
	for _, s := range p.Seasons {
		if i, ok := l.seasons[Normalize(s)]; ok {
			v[l.season+i] = 1
		}
	}
	for _, o := range p.Occasions {
		if n := Normalize(o); n != "" {
			i, ok := l.occasions[n]
			if !ok {
				i = len(occasions())
			}
			v[l.occasion+i] = 1
		}
	}
	ordinal := func(known map[string]int, at, n int, name string) {
		i, ok := known[Normalize(name)]
		if !ok {
			return
		}
		v[at+i] = 1
		for _, j := range []int{i - 1, i + 1} {
			if j >= 0 && j < n {
				v[at+j] = neighbour
			}
		}
	}
	ordinal(l.longevity, l.long, len(longevities()), p.Longevity)
	ordinal(l.sillage, l.sill, len(sillages()), p.Sillage)

	blocks := []struct {
		from, to int
		w        float64
	}{
		// The three note blocks are scaled as one, which keeps a note's
		// 0.35 beside its own position at 0.35 of it (scaled apart, a lone
		// echo would be lifted to full weight).
		{l.top, l.accord, WeightNotes * math.Sqrt(3)},
		{l.accord, l.oud, WeightAccords}, {l.oud, l.season, WeightOudType}, {l.season, l.occasion, WeightSeason},
		{l.occasion, l.long, WeightOccasion}, {l.long, l.sill, WeightLongevity}, {l.sill, l.none, WeightSillage},
	}
	for _, b := range blocks {
		scale(v[b.from:b.to], b.w)
	}
	if slices.IndexFunc(v, func(x float64) bool { return x != 0 }) < 0 {
		v[l.none] = 1 // says nothing: orthogonal to every profile that says something
	}
	scale(v, 1)
	out := make(Vector, l.dim)
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// scale L2-normalises v in place and multiplies it by w; a zero v stays.
func scale(v []float64, w float64) {
	var sum float64
	for _, x := range v {
		sum += x * x
	}
	if sum == 0 {
		return
	}
	f := w / math.Sqrt(sum)
	for i := range v {
		v[i] *= f
	}
}

// Cosine of two vectors of equal length (their dot product over their
// norms); 0 when either is zero.
func Cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
