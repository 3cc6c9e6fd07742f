package elastic

import (
	"fmt"
	"strings"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/projections/search"
)

// analyzer is the one text analyzer, English and Arabic alike, as in the
// Bleve backend: no stemming, fuzzy matching covers plurals and typos.
const analyzer = "souq_text"

// obj is a JSON object; encoding/json writes its keys sorted, so every body
// is byte-for-byte stable (the golden tests rely on it).
type obj = map[string]any

// textField is one field q searches, with its boost; Prefixed fields also
// serve suggest.
type textField struct {
	Name     string
	Boost    float64
	Prefixed bool
}

func textFields() []textField {
	return []textField{{"name_en", 3, true}, {"name_ar", 3, true}, {"brand_text", 2, true}, {"notes_text", 1, false}, {"inspired_text", 1, false}}
}

func priceField(c domain.Currency) string { return "price_" + strings.ToLower(string(c)) }

func currencies() []domain.Currency {
	return []domain.Currency{domain.AED, domain.SAR, domain.KWD, domain.BHD, domain.OMR}
}

// charFilters turns search.ArabicMappings into mapping char filters, one per
// rule, the runes written as \uXXXX so the rules read (diacritics alone are
// invisible) and Elasticsearch parses them as it documents.
func charFilters() (defs obj, names []string) {
	defs = obj{}
	for _, m := range search.ArabicMappings() {
		var rules []string
		to := ""
		for _, r := range m.To {
			to += fmt.Sprintf("\\u%04X", r)
		}
		for _, r := range m.From {
			rules = append(rules, fmt.Sprintf("\\u%04X => %s", r, to))
		}
		name := "souq_ar_" + m.Name
		defs[name] = obj{"type": "mapping", "mappings": rules}
		names = append(names, name)
	}
	return defs, names
}

// indexBody is the create-index request of the documents' index: settings
// (one shard: a catalog of 100k products is a few hundred MB, and facet
// counts are exact on one shard) and the mapping of search.MappingVersion.
func indexBody() obj {
	filters, names := charFilters()
	props := obj{
		"id":        obj{"type": "keyword"},
		"rating":    obj{"type": "double"},
		"ratings":   obj{"type": "integer"},
		"sold":      obj{"type": "long"},
		"stock":     obj{"type": "long"},
		"in_stock":  obj{"type": "boolean"},
		"listed_at": obj{"type": "date"},
		// What hits return: the document as the projector computed it,
		// kept in _source and not indexed.
		"doc": obj{"type": "object", "enabled": false},
	}
	for _, f := range textFields() {
		p := obj{"type": "text", "analyzer": analyzer}
		if f.Prefixed {
			p["index_prefixes"] = obj{"min_chars": 1, "max_chars": 10}
		}
		props[f.Name] = p
	}
	for _, f := range search.TermFields() {
		props[f] = obj{"type": "keyword"}
	}
	for _, c := range currencies() {
		props[priceField(c)] = obj{"type": "long"}
	}
	return obj{
		"settings": obj{
			"number_of_shards": 1,
			"analysis": obj{
				"char_filter": filters,
				"analyzer": obj{analyzer: obj{
					"type": "custom", "char_filter": names, "tokenizer": "standard",
					"filter": []string{"lowercase", "arabic_normalization"},
				}},
			},
		},
		"mappings": obj{
			"dynamic":    "strict",
			"_meta":      obj{"mapping_version": search.MappingVersion},
			"properties": props,
		},
	}
}

// recordsBody is the create-index request of the records' index: records
// are fetched by ID only (_mget, real time), never searched.
func recordsBody() obj {
	return obj{
		"settings": obj{"number_of_shards": 1},
		"mappings": obj{"dynamic": false, "_meta": obj{"mapping_version": search.MappingVersion}, "properties": obj{}},
	}
}

// source is what Elasticsearch indexes of a document.
func source(d search.Document) obj {
	notes := append(append(append(append([]string(nil), d.Top...), d.Heart...), d.Base...), d.Accords...)
	out := obj{
		"id": d.ID, "name_en": d.NameEN, "name_ar": d.NameAR, "brand_text": d.Brand,
		"notes_text": strings.Join(notes, " "), "inspired_text": d.InspiredBy,
		"rating": d.Rating, "ratings": d.Ratings, "sold": d.Sold, "stock": d.Stock,
		"in_stock": d.InStock, "listed_at": d.ListedAt, "doc": d,
	}
	for _, f := range search.TermFields() {
		if v := d.Values(f); len(v) > 0 {
			out[f] = v
		}
	}
	for c, amount := range d.Prices {
		out[priceField(domain.Currency(c))] = amount
	}
	return out
}
