package bleve

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	charregexp "github.com/blevesearch/bleve/v2/analysis/char/regexp"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/projections/search"
)

// analyzer is the one text analyzer, for English and Arabic alike: the
// Arabic normalisation as char filters, Unicode word segmentation, lower
// case. No stemming: fuzzy matching covers plurals and typos, and an
// English stemmer would mangle transliterated names (Oud Wood, Amouage).
const analyzer = "souq_text"

// Text fields searched by q, with their boosts.
func textFields() []struct {
	Name  string
	Boost float64
} {
	return []struct {
		Name  string
		Boost float64
	}{{"name_en", 3}, {"name_ar", 3}, {"brand_text", 2}, {"notes_text", 1}, {"inspired_text", 1}}
}

func priceField(c domain.Currency) string { return "price_" + strings.ToLower(string(c)) }

func currencies() []domain.Currency {
	return []domain.Currency{domain.AED, domain.SAR, domain.KWD, domain.BHD, domain.OMR}
}

// charFilters turns search.ArabicMappings into regexp char filters.
func charFilters() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, m := range search.ArabicMappings() {
		var b strings.Builder
		b.WriteString("[")
		for _, r := range m.From {
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
		b.WriteString("]")
		out["souq_ar_"+m.Name] = map[string]any{"type": charregexp.Name, "regexp": b.String(), "replace": m.To}
	}
	return out
}

// newMapping builds the index mapping of search.MappingVersion.
func newMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	var filters []any
	for _, m := range search.ArabicMappings() {
		name := "souq_ar_" + m.Name
		if err := im.AddCustomCharFilter(name, charFilters()[name]); err != nil {
			return nil, fmt.Errorf("bleve: char filter %s: %w", name, err)
		}
		filters = append(filters, name)
	}
	if err := im.AddCustomAnalyzer(analyzer, map[string]any{
		"type": custom.Name, "char_filters": filters, "tokenizer": unicode.Name, "token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, fmt.Errorf("bleve: analyzer: %w", err)
	}
	im.DefaultAnalyzer = analyzer
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false

	dm := bleve.NewDocumentStaticMapping()
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer, f.Store, f.IncludeInAll, f.IncludeTermVectors, f.DocValues = analyzer, false, false, false, false
		return f
	}
	for _, f := range textFields() {
		dm.AddFieldMappingsAt(f.Name, text())
	}
	for _, name := range search.TermFields() {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer, f.Store, f.IncludeInAll, f.DocValues = keyword.Name, false, false, true
		dm.AddFieldMappingsAt(name, f)
	}
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store, f.IncludeInAll, f.DocValues = false, false, true
		return f
	}
	for _, c := range currencies() {
		dm.AddFieldMappingsAt(priceField(c), num())
	}
	for _, name := range []string{"rating", "ratings", "sold", "stock"} {
		dm.AddFieldMappingsAt(name, num())
	}
	b := bleve.NewBooleanFieldMapping()
	b.Store, b.IncludeInAll, b.DocValues = false, false, true
	dm.AddFieldMappingsAt("in_stock", b)
	t := bleve.NewDateTimeFieldMapping()
	t.Store, t.IncludeInAll, t.DocValues = false, false, true
	dm.AddFieldMappingsAt("listed_at", t)
	im.DefaultMapping = dm
	return im, nil
}

// fields is what Bleve indexes of a document.
func fields(d search.Document) map[string]any {
	out := map[string]any{
		"name_en": d.NameEN, "name_ar": d.NameAR, "brand_text": d.Brand,
		"notes_text":    strings.Join(append(append(append(append([]string(nil), d.Top...), d.Heart...), d.Base...), d.Accords...), " "),
		"inspired_text": d.InspiredBy,
		"rating":        d.Rating, "ratings": float64(d.Ratings), "sold": float64(d.Sold), "stock": float64(d.Stock),
		"in_stock": d.InStock, "listed_at": d.ListedAt,
	}
	for _, f := range search.TermFields() {
		if v := d.Values(f); len(v) > 0 {
			out[f] = v
		}
	}
	for c, amount := range d.Prices {
		out[priceField(domain.Currency(c))] = float64(amount)
	}
	return out
}
