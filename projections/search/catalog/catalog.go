package catalog

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/product"
)

// Item is one generated product: what its vendor lists and the stock it
// receives, by SKU and location.
type Item struct {
	ProductID domain.ProductID
	VendorID  domain.VendorID
	Details   product.Details
	Variants  []product.Variant
	Stock     map[domain.SKU]map[domain.LocationID]int64
}

// Warehouse is where the catalog's stock lies: the location checkout
// reserves at (commands/process.DefaultLocation), so every bottle a shopper
// sees in stock can be bought.
const Warehouse domain.LocationID = "main"

type pair struct{ en, ar string }

// Vocabulary. Brands are invented in the style of the region's houses.
func brands() []pair {
	return []pair{
		{"Dar Al Oud", "دار العود"}, {"Bait Al Misk", "بيت المسك"}, {"Layali Dubai", "ليالي دبي"},
		{"Qasr Al Attar", "قصر العطار"}, {"Zahrat Al Khaleej", "زهرة الخليج"}, {"Anfas Arabia", "أنفاس العربية"},
		{"Oud Al Majd", "عود المجد"}, {"Bukhoor Al Sharq", "بخور الشرق"}, {"Misk Al Riyadh", "مسك الرياض"},
		{"Al Wafi Fragrances", "الوافي للعطور"}, {"Nakheel Perfumes", "عطور النخيل"}, {"Sahara Musk House", "دار مسك الصحراء"},
	}
}

func vendors() []domain.VendorID {
	out := make([]domain.VendorID, 0, len(Vendors()))
	for _, v := range Vendors() {
		out = append(out, v.ID)
	}
	return out
}

// Vendor is a generated vendor as it registers: the catalog's items name
// these IDs.
type Vendor struct {
	ID      domain.VendorID
	Name    string
	Country domain.Country
	Email   string
}

// Vendors are the marketplace's generated vendors, in the UAE and Saudi
// Arabia (the Doha house sells through its Dubai entity).
func Vendors() []Vendor {
	v := func(id, name string, c domain.Country) Vendor {
		return Vendor{ID: domain.VendorID(id), Name: name, Country: c, Email: "ops@" + id[2:] + ".example"}
	}
	return []Vendor{
		v("v-al-wasl-perfumes", "Al Wasl Perfumes", domain.UAE), v("v-deira-attar", "Deira Attar", domain.UAE),
		v("v-olaya-oud", "Olaya Oud", domain.SaudiArabia), v("v-jeddah-bakhoor", "Jeddah Bakhoor", domain.SaudiArabia),
		v("v-sharjah-scents", "Sharjah Scents", domain.UAE), v("v-khobar-misk", "Khobar Misk", domain.SaudiArabia),
		v("v-abu-dhabi-oud", "Abu Dhabi Oud", domain.UAE), v("v-doha-fragrance", "Doha Fragrance", domain.UAE),
	}
}

func nouns() []pair {
	return []pair{{"Oud", "عود"}, {"Musk", "مسك"}, {"Amber", "عنبر"}, {"Rose", "ورد"}, {"Saffron", "زعفران"},
		{"Sandal", "صندل"}, {"Bakhoor", "بخور"}, {"Jasmine", "ياسمين"}, {"Attar", "عطر"}, {"Dahn Al Oud", "دهن العود"}}
}

func adjectives() []pair {
	return []pair{{"Royal", "ملكي"}, {"Imperial", "إمبراطوري"}, {"Golden", "ذهبي"}, {"Black", "أسود"}, {"White", "أبيض"},
		{"Ancient", "عتيق"}, {"Precious", "ثمين"}, {"Velvet", "مخملي"}, {"Mystic", "ساحر"}, {"Pure", "نقي"}}
}

// Third words carry the spellings Arabic search must forgive: hamza on alef
// (الأمير), taa marbuta (الملكة), alef maqsura (ليلى).
func suffixes() []pair {
	return []pair{{"", ""}, {"", ""}, {"Al Ameer", "الأمير"}, {"Al Malika", "الملكة"}, {"Layla", "ليلى"},
		{"Intense", "مركز"}, {"Nights", "ليالي"}, {"Al Arab", "العرب"}}
}

func topNotes() []string {
	return []string{"bergamot", "lemon", "pink pepper", "saffron", "cardamom", "mandarin", "grapefruit", "lavender", "neroli", "apple", "blackcurrant", "ginger", "mint", "elemi"}
}

func heartNotes() []string {
	return []string{"rose", "taif rose", "jasmine", "orange blossom", "iris", "tuberose", "geranium", "violet", "cinnamon", "nutmeg", "lily of the valley", "ylang-ylang", "clove", "davana"}
}

func baseNotes() []string {
	return []string{"oud", "sandalwood", "amber", "musk", "vanilla", "patchouli", "vetiver", "cedarwood", "leather", "tonka bean", "benzoin", "labdanum", "frankincense", "myrrh", "ambergris"}
}

func accords() []string {
	return []string{"woody", "oud", "amber", "floral", "rose", "musky", "sweet", "warm spicy", "fresh", "citrus", "leather", "smoky", "powdery", "balsamic", "fruity", "aromatic", "vanilla"}
}

func oudTypes() []string {
	return []string{"cambodi", "hindi", "assam", "malaysian", "thai", "burmese", "papua"}
}

func originals() []string {
	return []string{"Baccarat Rouge 540", "Aventus", "Oud Wood", "Black Orchid", "Tobacco Vanille", "Interlude Man", "Santal 33", "Angels' Share"}
}

// Seasons, occasions, longevity and sillage as the facets name them.
func seasons() []string { return []string{"winter", "spring", "summer", "autumn"} }
func occasions() []string {
	return []string{"daily", "evening", "office", "wedding", "ramadan", "eid", "date_night"}
}
func longevities() []string { return []string{"weak", "moderate", "long_lasting", "eternal"} }
func sillages() []string    { return []string{"intimate", "moderate", "strong", "enormous"} }

func concentration(c product.Category) string {
	switch c {
	case product.Oud, product.Attar:
		return "perfume_oil"
	case product.EauDeParfum:
		return "eau_de_parfum"
	case product.EauDeToilette:
		return "eau_de_toilette"
	case product.Extrait:
		return "extrait_de_parfum"
	case product.BodyMist:
		return "body_mist"
	case product.Musk:
		return "perfume_oil"
	}
	return ""
}

func sizes(c product.Category) []int {
	switch c {
	case product.Oud, product.Attar, product.Musk:
		return []int{3, 6, 12, 24}
	case product.Bakhoor:
		return []int{40, 80}
	case product.BodyMist:
		return []int{100, 250}
	case product.HomeFragrance:
		return []int{250, 500}
	case product.GiftSet:
		return []int{150}
	}
	return []int{30, 50, 75, 100, 200}
}

// basePrice is a typical 100 ml (or smallest) price in AED.
func basePrice(c product.Category) int64 {
	switch c {
	case product.Oud:
		return 650
	case product.Attar, product.Musk:
		return 180
	case product.Extrait:
		return 900
	case product.Bakhoor:
		return 120
	case product.BodyMist:
		return 60
	case product.GiftSet:
		return 450
	case product.HomeFragrance:
		return 140
	}
	return 380
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// some picks 1..n distinct values, in vocabulary order.
func some(r *rand.Rand, list []string, lo, hi int) []string {
	n := lo + r.IntN(hi-lo+1)
	idx := r.Perm(len(list))[:min(n, len(list))]
	out := make([]string, 0, n)
	for i, v := range list {
		for _, j := range idx {
			if i == j {
				out = append(out, v)
			}
		}
	}
	return out
}

func money(minor int64, c domain.Currency) domain.Money {
	m, err := domain.New(minor, c)
	if err != nil {
		panic(err) // AED and SAR are always valid
	}
	return m
}

// Generate returns n products for a seed. Product i is the same for every
// n ≥ i+1, so a larger catalog extends a smaller one.
func Generate(seed uint64, n int) []Item {
	out := make([]Item, 0, n)
	for i := range n {
		out = append(out, item(seed, i))
	}
	return out
}

func item(seed uint64, i int) Item {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	cat := pick(r, product.Categories())
	brand := pick(r, brands())
	noun, adj, suf := pick(r, nouns()), pick(r, adjectives()), pick(r, suffixes())
	if cat == product.Oud || r.IntN(3) == 0 {
		noun = nouns()[0]
	}
	en := adj.en + " " + noun.en
	ar := noun.ar + " " + adj.ar
	if suf.en != "" {
		en += " " + suf.en
		ar += " " + suf.ar
	}
	id := domain.ProductID(fmt.Sprintf("p-%d-%06d", seed, i))
	d := product.Details{
		Name:          product.Name{English: en, Arabic: ar},
		Brand:         brand.en,
		Category:      cat,
		Concentration: concentration(cat),
		Gender:        pick(r, []product.Gender{product.Men, product.Women, product.Unisex, product.Unisex}),
		Origin:        product.Original,
		Scent: product.ScentProfile{
			Top: some(r, topNotes(), 1, 3), Heart: some(r, heartNotes(), 1, 3), Base: some(r, baseNotes(), 1, 3),
			Accords: some(r, accords(), 2, 4), Seasons: some(r, seasons(), 1, 2), Occasions: some(r, occasions(), 1, 3),
			Longevity: pick(r, longevities()), Sillage: pick(r, sillages()),
		},
		Images: []string{fmt.Sprintf("products/%s/main.jpg", id)},
	}
	if cat == product.Oud || cat == product.Bakhoor || noun.en == "Oud" || noun.en == "Dahn Al Oud" {
		d.Scent.OudType = pick(r, oudTypes())
	}
	if r.IntN(5) == 0 {
		d.Origin, d.InspiredBy = product.InspiredBy, pick(r, originals())
	}
	all := sizes(cat)
	var variants []product.Variant
	stock := map[domain.SKU]map[domain.LocationID]int64{}
	start := r.IntN(len(all))
	for _, ml := range all[start:min(len(all), start+1+r.IntN(3))] {
		base := basePrice(cat) * 100 // fils
		if d.Origin == product.InspiredBy {
			base /= 3
		}
		aed := base*int64(ml)/int64(all[len(all)-1]) + int64(r.IntN(40))*500
		aed = max(1500, aed/100*100-100) // prices end in .00, minus one: 249.00
		sar := aed * 102 / 100 / 100 * 100
		sku := domain.SKU(fmt.Sprintf("%s-%dml", id, ml))
		variants = append(variants, product.Variant{SKU: sku, SizeML: ml, Prices: map[domain.Currency]domain.Money{
			domain.AED: money(aed, domain.AED), domain.SAR: money(sar, domain.SAR)}})
		stock[sku] = map[domain.LocationID]int64{}
		// Two deliveries, each likely: the draws of a catalog that once
		// kept two locations, so a seed still generates the same catalog.
		for range 2 {
			if r.IntN(100) < 70 {
				stock[sku][Warehouse] += int64(1 + r.IntN(40))
			}
		}
	}
	return Item{ProductID: id, VendorID: pick(r, vendors()), Details: d, Variants: variants, Stock: stock}
}

// ListedAt is a deterministic listing time for item i: one product every
// ten minutes from a fixed start, so "newest" has a stable order.
func ListedAt(i int) time.Time {
	return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 10 * time.Minute)
}
