package search

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/souq-market/souq/domain"
)

// Sort orders of a search.
type Sort string

const (
	Relevance   Sort = "relevance"
	PriceAsc    Sort = "price_asc"
	PriceDesc   Sort = "price_desc"
	Newest      Sort = "newest"
	TopRated    Sort = "rating"
	BestSelling Sort = "best_selling"
)

// Sorts lists them.
func Sorts() []Sort { return []Sort{Relevance, PriceAsc, PriceDesc, Newest, TopRated, BestSelling} }

// Limits of a query.
const (
	DefaultLimit  = 24
	MaxLimit      = 100
	MaxTextBytes  = 200
	MaxValues     = 20 // values of one filter
	MaxValueBytes = 100
	MaxCursor     = 2048
)

// Query is one search, the same for every backend. Term filters are ORed
// within a field and ANDed across fields; Text matches every term (each
// with typo tolerance) in any text field. Facets count the matching
// products (after every filter).
type Query struct {
	Text     string
	Terms    map[string][]string // TermFields param → accepted values
	Currency domain.Currency     // of the price filter, facet and sort; AED unless told
	PriceMin *int64              // minor units, inclusive
	PriceMax *int64              // minor units, inclusive
	// RatingMin keeps products whose mean rating is at least this.
	RatingMin *float64
	InStock   *bool
	Sort      Sort
	Limit     int
	// After is the decoded cursor of the previous page: the sort key of its
	// last hit, as the backend wrote it.
	After []json.RawMessage
}

// Page is one page of results.
type Page struct {
	Total  int                 `json:"total"`
	Hits   []Hit               `json:"hits"`
	Facets map[string][]Bucket `json:"facets"`
	// Next is the opaque cursor of the following page; empty on the last.
	Next string `json:"next,omitempty"`
}

// Hit is one product found.
type Hit struct {
	Document
	Score float64 `json:"score,omitempty"`
	// Key is the hit's sort key as the backend wrote it; Paginate makes the
	// cursor from the last one.
	Key []json.RawMessage `json:"-"`
}

// Bucket is one facet value and the number of matching products having it.
type Bucket struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Facet names beside TermFields.
const (
	FacetPrice   = "price"
	FacetRating  = "rating"
	FacetInStock = "in_stock"
)

// Minor is the factor from major to minor units of c.
func Minor(c domain.Currency) float64 {
	d, _ := c.Decimals()
	f := 1.0
	for range d {
		f *= 10
	}
	return f
}

// Suggest asks for completions of what a shopper is typing.
type Suggest struct {
	Prefix string
	Limit  int
}

// Suggestion is one completion: a product's name in the prefix's script.
type Suggestion struct {
	Text      string `json:"text"`
	ProductID string `json:"product_id"`
	Brand     string `json:"brand"`
}

// CodeInvalidQuery is the code of an invalid search or suggest query.
const CodeInvalidQuery = "search.invalid_query"

func invalid(v *domain.Validation) error {
	if len(v.Problems()) == 0 {
		return nil
	}
	return &domain.Error{Kind: domain.Invalid, Code: CodeInvalidQuery, Message: "the query has invalid parameters", Problems: v.Problems()}
}

// Parse reads a search query from URL parameters and checks every one,
// listing every problem at once: q, one parameter per term filter (repeat it
// or separate values with commas), currency, price_min and price_max (in
// major units of the currency), rating_min, in_stock, sort, limit, cursor.
// Unknown parameters are refused, so a typo is not silently ignored.
func Parse(params url.Values) (Query, error) {
	var v domain.Validation
	q := Query{Terms: map[string][]string{}, Currency: domain.AED, Sort: Relevance, Limit: DefaultLimit}
	known := map[string]bool{"q": true, "currency": true, "price_min": true, "price_max": true, "rating_min": true,
		"in_stock": true, "sort": true, "limit": true, "cursor": true}
	for _, f := range TermFields() {
		known[f] = true
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if !known[name] {
			v.Add(name, "unknown_parameter", "unknown parameter %q", clip(name))
		} else if len(params[name]) > 1 && !slices.Contains(TermFields(), name) {
			v.Add(name, "repeated", "give %s once", name)
		}
	}
	get := func(name string) string { return strings.TrimSpace(params.Get(name)) }

	q.Text = get("q")
	if v.Check(utf8.ValidString(q.Text), "q", domain.ProblemInvalid, "not valid UTF-8") {
		v.Check(len(q.Text) <= MaxTextBytes, "q", domain.ProblemTooLong, "at most %d bytes", MaxTextBytes)
	}
	for _, f := range TermFields() {
		var vals []string
		for _, raw := range params[f] {
			for _, s := range strings.Split(raw, ",") {
				if s = strings.TrimSpace(s); s != "" {
					vals = append(vals, s)
				}
			}
		}
		if len(vals) == 0 {
			continue
		}
		ok := v.Check(len(vals) <= MaxValues, f, domain.ProblemRange, "at most %d values", MaxValues)
		for _, s := range vals {
			switch {
			case !utf8.ValidString(s):
				v.Add(f, domain.ProblemInvalid, "not valid UTF-8")
				ok = false
			case len(s) > MaxValueBytes:
				v.Add(f, domain.ProblemTooLong, "a value has at most %d bytes", MaxValueBytes)
				ok = false
			case f == "size":
				if n, err := strconv.Atoi(s); err != nil || n <= 0 || n > 5000 {
					v.Add(f, domain.ProblemInvalid, "%q is not a size in ml (1–5000)", clip(s))
					ok = false
				}
			}
		}
		if ok {
			slices.Sort(vals)
			q.Terms[f] = slices.Compact(vals)
		}
	}
	if s := get("currency"); s != "" {
		if c, err := domain.ParseCurrency(s); err != nil {
			v.Add("currency", domain.ProblemCurrency, "unknown currency %q (AED, SAR, KWD, BHD, OMR)", clip(s))
		} else {
			q.Currency = c
		}
	}
	price := func(name string) *int64 {
		s := get(name)
		if s == "" {
			return nil
		}
		m, err := domain.ParseAmount(s, q.Currency)
		if err != nil || m.IsNegative() {
			v.Add(name, domain.ProblemInvalid, "%q is not an amount of %s (up to %d decimals, not negative)", clip(s), q.Currency, decimals(q.Currency))
			return nil
		}
		n := m.Amount()
		return &n
	}
	q.PriceMin, q.PriceMax = price("price_min"), price("price_max")
	if q.PriceMin != nil && q.PriceMax != nil {
		v.Check(*q.PriceMin <= *q.PriceMax, "price_max", domain.ProblemRange, "price_max is below price_min")
	}
	if s := get("rating_min"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if v.Check(err == nil && f >= 0 && f <= 5, "rating_min", domain.ProblemRange, "%q is not a rating from 0 to 5", clip(s)) {
			q.RatingMin = &f
		}
	}
	if s := get("in_stock"); s != "" {
		b, err := strconv.ParseBool(s)
		if v.Check(err == nil, "in_stock", domain.ProblemInvalid, "%q is not true or false", clip(s)) {
			q.InStock = &b
		}
	}
	if s := get("sort"); s != "" {
		if v.Check(slices.Contains(Sorts(), Sort(s)), "sort", domain.ProblemInvalid, "unknown sort %q (%s)", clip(s), sortList()) {
			q.Sort = Sort(s)
		}
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if v.Check(err == nil && n >= 1 && n <= MaxLimit, "limit", domain.ProblemRange, "must be 1–%d", MaxLimit) {
			q.Limit = n
		}
	}
	if s := get("cursor"); s != "" && len(v.Problems()) == 0 {
		after, err := decodeCursor(s, q.Fingerprint())
		if v.Check(err == nil, "cursor", domain.ProblemInvalid, "%v", err) {
			q.After = after
		}
	}
	if err := invalid(&v); err != nil {
		return Query{}, err
	}
	return q, nil
}

// ParseSuggest reads an autosuggest query: prefix (1–100 bytes) and limit
// (1–20, 8 unless told).
func ParseSuggest(params url.Values) (Suggest, error) {
	var v domain.Validation
	s := Suggest{Prefix: strings.TrimSpace(params.Get("prefix")), Limit: 8}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if name != "prefix" && name != "limit" {
			v.Add(name, "unknown_parameter", "unknown parameter %q", clip(name))
		}
	}
	if v.Check(utf8.ValidString(s.Prefix), "prefix", domain.ProblemInvalid, "not valid UTF-8") {
		v.Check(len(Terms(s.Prefix)) > 0, "prefix", domain.ProblemRequired, "at least one letter or digit")
		v.Check(len(s.Prefix) <= MaxValueBytes, "prefix", domain.ProblemTooLong, "at most %d bytes", MaxValueBytes)
	}
	if raw := params.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if v.Check(err == nil && n >= 1 && n <= 20, "limit", domain.ProblemRange, "must be 1–20") {
			s.Limit = n
		}
	}
	if err := invalid(&v); err != nil {
		return Suggest{}, err
	}
	return s, nil
}

// Fingerprint identifies what a query asks apart from its page: a cursor
// made for one query is refused by another, instead of paging through a
// different result set.
func (q Query) Fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%q|%s|%s|", q.Text, q.Currency, q.Sort)
	for _, f := range slices.Sorted(maps.Keys(q.Terms)) {
		fmt.Fprintf(h, "%s=%q|", f, q.Terms[f])
	}
	for _, p := range []*int64{q.PriceMin, q.PriceMax} {
		if p != nil {
			fmt.Fprintf(h, "%d|", *p)
		} else {
			fmt.Fprint(h, "-|")
		}
	}
	if q.RatingMin != nil {
		fmt.Fprintf(h, "%g|", *q.RatingMin)
	}
	if q.InStock != nil {
		fmt.Fprintf(h, "%t|", *q.InStock)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

type cursor struct {
	Query string            `json:"q"`
	After []json.RawMessage `json:"a"`
}

// Cursor encodes the sort key of a page's last hit for query q.
func (q Query) Cursor(after []json.RawMessage) string {
	b, _ := json.Marshal(cursor{Query: q.Fingerprint(), After: after}) // raw messages from a backend always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, fingerprint string) ([]json.RawMessage, error) {
	if len(s) > MaxCursor {
		return nil, fmt.Errorf("a cursor has at most %d bytes", MaxCursor)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err != nil || json.Unmarshal(b, &c) != nil || len(c.After) == 0 {
		return nil, fmt.Errorf("not a cursor this API wrote")
	}
	if c.Query != fingerprint {
		return nil, fmt.Errorf("the cursor belongs to another query (same q, filters and sort needed)")
	}
	return c.After, nil
}

// Paginate sets p.Next from its last hit when the page is full.
func Paginate(q Query, p *Page) {
	if len(p.Hits) == q.Limit && len(p.Hits) > 0 {
		p.Next = q.Cursor(p.Hits[len(p.Hits)-1].Key)
	}
}

func sortList() string {
	var s []string
	for _, x := range Sorts() {
		s = append(s, string(x))
	}
	return strings.Join(s, ", ")
}

func decimals(c domain.Currency) int { d, _ := c.Decimals(); return d }

func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// SortBuckets puts a facet's buckets in the order the API shows them: range
// facets in their band order, term facets by count, then value.
func SortBuckets(facet string, b []Bucket) {
	var order []Band
	switch facet {
	case FacetPrice:
		order = PriceBands()
	case FacetRating:
		order = RatingBands()
	}
	if order != nil {
		rank := func(name string) int {
			return slices.IndexFunc(order, func(x Band) bool { return x.Name == name })
		}
		slices.SortFunc(b, func(x, y Bucket) int { return rank(x.Value) - rank(y.Value) })
		return
	}
	slices.SortFunc(b, func(x, y Bucket) int {
		if x.Count != y.Count {
			return y.Count - x.Count
		}
		return strings.Compare(x.Value, y.Value)
	})
}

// Suggestions turns the documents a backend found (best first) into up to
// s.Limit completions, one per distinct text, in the script of the prefix.
func Suggestions(s Suggest, docs []Document) []Suggestion {
	arabic := strings.IndexFunc(s.Prefix, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) >= 0
	seen := map[string]bool{}
	out := []Suggestion{}
	for _, d := range docs {
		text := d.NameEN
		if arabic {
			text = d.NameAR
		}
		if text == "" || seen[text] {
			continue
		}
		seen[text] = true
		out = append(out, Suggestion{Text: text, ProductID: d.ID, Brand: d.Brand})
		if len(out) == s.Limit {
			break
		}
	}
	return out
}
