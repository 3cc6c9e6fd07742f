package scent

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDimIsTheLayout(t *testing.T) {
	if l := newLayout(); l.dim != Dim || len(knownNotes()) != 56 || len(knownAccords()) != 24 {
		t.Fatalf("layout dim %d, Dim %d, notes %d, accords %d", l.dim, Dim, len(knownNotes()), len(knownAccords()))
	}
	for _, list := range [][]string{knownNotes(), knownAccords(), oudTypes(), occasions()} {
		seen := map[string]bool{}
		for _, n := range list {
			if seen[n] || Normalize(n) != n {
				t.Fatalf("%q is repeated or not in normal form", n)
			}
			seen[n] = true
		}
	}
}

var pool = []string{"bergamot", "Oud", "agarwood", "rose", "Taif-Rose", "yuzu", "smoked birch tar", "vanilla", "musk", "iris",
	"saffron", "ambergris", "  pink   pepper ", "osmanthus", "leather", "woody", "smoky", "fresh", "aquatic", "boozy"}

func randomProfile(r *rand.Rand) Profile {
	some := func() []string {
		var out []string
		for range r.IntN(5) {
			out = append(out, pool[r.IntN(len(pool))])
		}
		return out
	}
	one := func(list []string) string {
		if r.IntN(3) == 0 {
			return ""
		}
		return list[r.IntN(len(list))]
	}
	return Profile{Top: some(), Heart: some(), Base: some(), Notes: some(), Accords: some(),
		OudType: one(append(oudTypes(), "kinam")), Seasons: some(), Occasions: some(),
		Longevity: one(longevities()), Sillage: one(sillages())}
}

func shuffled(r *rand.Rand, s []string) []string {
	out := slices.Clone(s)
	if len(out) > 0 {
		out = append(out, out[r.IntN(len(out))]) // a repeat changes nothing either
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// The same profile gives the same vector, bit for bit, whatever the order
// and repetition of its names; every vector is Dim long, never negative and
// of norm 1.
func TestVectorizeIsDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		p := randomProfile(r)
		v := Vectorize(p)
		q := p
		q.Top, q.Heart, q.Base, q.Notes = shuffled(r, p.Top), shuffled(r, p.Heart), shuffled(r, p.Base), shuffled(r, p.Notes)
		q.Accords, q.Seasons, q.Occasions = shuffled(r, p.Accords), shuffled(r, p.Seasons), shuffled(r, p.Occasions)
		w := Vectorize(q)
		if !slices.Equal(v, w) {
			t.Fatalf("case %d: %+v and its reordering give different vectors", i, p)
		}
		if !slices.Equal(v, Vectorize(p)) {
			t.Fatalf("case %d: two calls differ", i)
		}
		var norm float64
		for _, x := range v {
			if x < 0 || math.IsNaN(float64(x)) {
				t.Fatalf("case %d: value %v", i, x)
			}
			norm += float64(x) * float64(x)
		}
		if len(v) != Dim || math.Abs(norm-1) > 1e-5 {
			t.Fatalf("case %d: len %d, norm %f", i, len(v), norm)
		}
	}
}

// A pinned vector: the layout and weights are a stored format (Qdrant
// collections hold them), so a change must be deliberate.
func TestVectorizePinned(t *testing.T) {
	v := Vectorize(Profile{Top: []string{"bergamot"}, Base: []string{"oud"}})
	l := newLayout()
	nz := map[int]float32{}
	for i, x := range v {
		if x != 0 {
			nz[i] = x
		}
	}
	oud := l.notes["oud"]
	// bergamot: top 1, heart 0.35; oud: base 1, heart 0.35. Only the notes
	// block is set, so the whole vector is those four over their norm.
	want := map[int]float64{l.top + 0: 1, l.heart + 0: 0.35, l.heart + oud: 0.35, l.base + oud: 1}
	norm := math.Sqrt(2 + 2*0.35*0.35)
	if len(nz) != len(want) {
		t.Fatalf("non-zero %v, want %v", nz, want)
	}
	for i, x := range want {
		if math.Abs(float64(nz[i])-x/norm) > 1e-6 {
			t.Fatalf("v[%d] = %v, want %v", i, nz[i], x/norm)
		}
	}
}

func TestVectorizeMeaning(t *testing.T) {
	cos := func(a, b Profile) float64 { return Cosine(Vectorize(a), Vectorize(b)) }
	if c := cos(Profile{Base: []string{"Agarwood"}}, Profile{Base: []string{"oud"}}); c < 0.9999 {
		t.Fatalf("an alias is its name: %f", c)
	}
	if c := cos(Profile{Top: []string{"Yuzu"}}, Profile{Top: []string{"yuzu"}}); c < 0.9999 {
		t.Fatalf("an unknown note matches itself through its bucket: %f", c)
	}
	same, near, far := cos(Profile{Heart: []string{"rose"}}, Profile{Heart: []string{"rose"}}),
		cos(Profile{Heart: []string{"rose"}}, Profile{Base: []string{"rose"}}),
		cos(Profile{Top: []string{"rose"}}, Profile{Base: []string{"rose"}})
	if !(same > near && near > 3*far && far > 0) {
		t.Fatalf("positions: same %f > adjacent %f > two apart %f > 0", same, near, far)
	}
	if c := cos(Profile{Longevity: "long_lasting"}, Profile{Longevity: "eternal"}); !(c > cos(Profile{Longevity: "long_lasting"}, Profile{Longevity: "weak"})) {
		t.Fatalf("ordinal: long lasting nearer eternal than weak (%f)", c)
	}
	if c := cos(Profile{}, Profile{Base: []string{"oud"}}); c != 0 {
		t.Fatalf("an empty profile is orthogonal to any other: %f", c)
	}
	if c := cos(Profile{Notes: []string{"oud"}}, Profile{Base: []string{"oud"}}); c <= 0.5 {
		t.Fatalf("a note without a position matches it in any: %f", c)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"Pink-Pepper": "pink pepper", "pink pepper": "pink pepper", " pink\tpepper ": "pink pepper",
		"Agarwood": "oud", "oud": "oud", "long_lasting": "long lasting", "date night": "date night", "ÉLEMI": "élemi", "": ""} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
