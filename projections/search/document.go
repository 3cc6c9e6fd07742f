package search

import (
	"slices"
	"strconv"
	"time"
)

// MappingVersion is the version of the index layout (fields, analyzers)
// both adapters build. Change it with any change to them: the adapters name
// their index after it, so the new layout is built beside the old one,
// which keeps serving until the new one has caught up (Promote).
const MappingVersion = 1

// View is the name of the projector feeding the index of MappingVersion:
// its checkpoint key, and what a read waits for on X-Souq-Min-Position.
func View() string { return "search-v" + strconv.Itoa(MappingVersion) }

// Document is what the index holds of a product on sale: the fields the
// query model searches, filters, facets and sorts on. Prices are the lowest
// of the product's sizes, in minor units, per currency it is sold in.
type Document struct {
	ID            string           `json:"id"`
	Vendor        string           `json:"vendor"`
	NameEN        string           `json:"name_en"`
	NameAR        string           `json:"name_ar"`
	Brand         string           `json:"brand"`
	Category      string           `json:"category"`
	Concentration string           `json:"concentration,omitempty"`
	Gender        string           `json:"gender"`
	Type          string           `json:"type"` // original or inspired_by
	InspiredBy    string           `json:"inspired_by,omitempty"`
	Top           []string         `json:"top,omitempty"`
	Heart         []string         `json:"heart,omitempty"`
	Base          []string         `json:"base,omitempty"`
	Accords       []string         `json:"accords,omitempty"`
	OudType       string           `json:"oud_type,omitempty"`
	Seasons       []string         `json:"seasons,omitempty"`
	Occasions     []string         `json:"occasions,omitempty"`
	Longevity     string           `json:"longevity,omitempty"`
	Sillage       string           `json:"sillage,omitempty"`
	Sizes         []int            `json:"sizes"`
	Prices        map[string]int64 `json:"prices"` // currency → lowest price, minor units
	Stock         int64            `json:"stock"`
	InStock       bool             `json:"in_stock"`
	Rating        float64          `json:"rating"` // mean of approved reviews, 0 without any
	Ratings       int              `json:"ratings"`
	Sold          int64            `json:"sold"`
	ListedAt      time.Time        `json:"listed_at"`
	Revision      uint64           `json:"revision"` // of the product stream
}

// Values lists the document's values of a term filter (a TermFields param),
// as the index holds them.
func (d *Document) Values(param string) []string {
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	switch param {
	case "category":
		return one(d.Category)
	case "brand":
		return one(d.Brand)
	case "vendor":
		return one(d.Vendor)
	case "concentration":
		return one(d.Concentration)
	case "gender":
		return one(d.Gender)
	case "type":
		return one(d.Type)
	case "top":
		return d.Top
	case "heart":
		return d.Heart
	case "base":
		return d.Base
	case "accord":
		return d.Accords
	case "oud_type":
		return one(d.OudType)
	case "season":
		return d.Seasons
	case "occasion":
		return d.Occasions
	case "longevity":
		return one(d.Longevity)
	case "sillage":
		return one(d.Sillage)
	case "size":
		out := make([]string, 0, len(d.Sizes))
		for _, s := range d.Sizes {
			out = append(out, strconv.Itoa(s))
		}
		return out
	}
	return nil
}

// TermFields are the keyword filters and facets, by query parameter. The
// index field of each is its parameter name; "size" holds the sizes in ml
// as text so that it facets like the others.
func TermFields() []string {
	return []string{"category", "brand", "vendor", "concentration", "gender", "type", "top", "heart", "base",
		"accord", "oud_type", "season", "occasion", "longevity", "sillage", "size"}
}

// Band is one bucket of a range facet: [Min, Max) with nil for unbounded.
type Band struct {
	Name     string
	Min, Max *float64
}

func ptr(f float64) *float64 { return &f }

// PriceBands are the price facet's buckets in major units of the query's
// currency; the index holds minor units, so adapters scale by Minor.
func PriceBands() []Band {
	return []Band{
		{Name: "under_100", Max: ptr(100)},
		{Name: "100_250", Min: ptr(100), Max: ptr(250)},
		{Name: "250_500", Min: ptr(250), Max: ptr(500)},
		{Name: "500_1000", Min: ptr(500), Max: ptr(1000)},
		{Name: "1000_plus", Min: ptr(1000)},
	}
}

// RatingBands are the rating facet's buckets: they overlap ("4 and up"
// holds every product rated 4.5), as shoppers read them.
func RatingBands() []Band {
	return []Band{
		{Name: "4_up", Min: ptr(4)},
		{Name: "3_up", Min: ptr(3)},
		{Name: "2_up", Min: ptr(2)},
		{Name: "1_up", Min: ptr(1)},
	}
}

// InBand reports whether v lies in b.
func (b Band) In(v float64) bool {
	return (b.Min == nil || v >= *b.Min) && (b.Max == nil || v < *b.Max)
}

// Scale returns b with its bounds multiplied by f.
func (b Band) Scale(f float64) Band {
	out := Band{Name: b.Name}
	if b.Min != nil {
		out.Min = ptr(*b.Min * f)
	}
	if b.Max != nil {
		out.Max = ptr(*b.Max * f)
	}
	return out
}

// normalizeDoc sorts and deduplicates list fields, so two backends and two
// deliveries store the same document.
func (d *Document) normalize() {
	for _, l := range []*[]string{&d.Top, &d.Heart, &d.Base, &d.Accords, &d.Seasons, &d.Occasions} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	slices.Sort(d.Sizes)
	d.Sizes = slices.Compact(d.Sizes)
}
