package product

import (
	"slices"
	"strconv"
	"time"

	"github.com/souq-market/souq/domain"
)

// Category is one of the ten the marketplace sells.
type Category string

const (
	Oud           Category = "oud"
	Attar         Category = "attar" // attar and perfume oils
	EauDeParfum   Category = "eau_de_parfum"
	EauDeToilette Category = "eau_de_toilette"
	Extrait       Category = "extrait" // extrait / parfum
	Bakhoor       Category = "bakhoor" // bakhoor and incense
	Musk          Category = "musk"
	BodyMist      Category = "body_mist"
	GiftSet       Category = "gift_set"
	HomeFragrance Category = "home_fragrance"
)

// Categories lists the ten categories.
func Categories() []Category {
	return []Category{Oud, Attar, EauDeParfum, EauDeToilette, Extrait, Bakhoor, Musk, BodyMist, GiftSet, HomeFragrance}
}

// Gender a fragrance is marketed to.
type Gender string

const (
	Men    Gender = "men"
	Women  Gender = "women"
	Unisex Gender = "unisex"
)

// Origin says whether the product is the original or inspired by another.
type Origin string

const (
	Original   Origin = "original"
	InspiredBy Origin = "inspired_by"
)

// Name in both languages of the shop.
type Name struct {
	English string `json:"en"`
	Arabic  string `json:"ar"`
}

// ScentProfile describes how it smells; the search facets come from here.
type ScentProfile struct {
	Top       []string `json:"top,omitempty"`
	Heart     []string `json:"heart,omitempty"`
	Base      []string `json:"base,omitempty"`
	Accords   []string `json:"accords,omitempty"`
	OudType   string   `json:"oud_type,omitempty"` // Cambodi, Hindi, Assam … where it applies
	Seasons   []string `json:"seasons,omitempty"`
	Occasions []string `json:"occasions,omitempty"`
	Longevity string   `json:"longevity,omitempty"` // weak, moderate, long_lasting, eternal
	Sillage   string   `json:"sillage,omitempty"`   // intimate, moderate, strong, enormous
}

// Details are the descriptive fields a vendor edits.
type Details struct {
	Name          Name         `json:"name"`
	Brand         string       `json:"brand"`
	Category      Category     `json:"category"`
	Concentration string       `json:"concentration,omitempty"`
	Gender        Gender       `json:"gender"`
	Scent         ScentProfile `json:"scent"`
	Origin        Origin       `json:"origin"`
	InspiredBy    string       `json:"inspired_by,omitempty"` // the original's name
	Images        []string     `json:"images,omitempty"`      // blob keys
}

// Variant is one size, sold under its own SKU.
type Variant struct {
	SKU    domain.SKU                       `json:"sku"`
	SizeML int                              `json:"size_ml"`
	Prices map[domain.Currency]domain.Money `json:"prices"` // tax-inclusive
}

// Error codes.
const (
	CodeNotListed     = "product.not_listed"
	CodeAlreadyListed = "product.already_listed"
	CodeNotOwner      = "product.not_owner"
	CodeDelisted      = "product.delisted"
	CodeUnknownSKU    = "product.unknown_sku"
	CodeDuplicateSKU  = "product.duplicate_sku"
)

// Product is one catalog entry.
type Product struct {
	root     domain.Root
	id       domain.ProductID
	vendor   domain.VendorID
	details  Details
	variants []Variant
	listed   bool
	delisted bool
	// delistedFor is why it went off sale; empty while on sale.
	delistedFor DelistCode
}

// New returns the product with this ID before any event.
func New(id domain.ProductID) *Product { return &Product{id: id} }

func (p *Product) ID() domain.ProductID    { return p.id }
func (p *Product) Vendor() domain.VendorID { return p.vendor }
func (p *Product) Details() Details        { return p.details }
func (p *Product) Variants() []Variant     { return slices.Clone(p.variants) }
func (p *Product) OnSale() bool            { return p.listed && !p.delisted }
func (p *Product) DelistedFor() DelistCode { return p.delistedFor }
func (p *Product) Version() uint64         { return p.root.Version() }
func (p *Product) Changes() []domain.Event { return p.root.Changes() }

// Price of a SKU in a currency, if it is sold in it.
func (p *Product) Price(sku domain.SKU, c domain.Currency) (domain.Money, bool) {
	for _, v := range p.variants {
		if v.SKU == sku {
			m, ok := v.Prices[c]
			return m, ok
		}
	}
	return domain.Money{}, false
}

// List puts a product on sale.
type List struct {
	VendorID domain.VendorID
	Details  Details
	Variants []Variant
}

func (p *Product) List(cmd List, now time.Time) error {
	var v domain.Validation
	v.ID("vendor_id", string(cmd.VendorID))
	checkDetails(&v, cmd.Details)
	if v.Check(len(cmd.Variants) > 0, "variants", domain.ProblemRequired, "at least one size") {
		seen := map[domain.SKU]bool{}
		for i, x := range cmd.Variants {
			checkVariant(&v, "variants["+strconv.Itoa(i)+"]", x)
			v.Check(!seen[x.SKU], "variants["+strconv.Itoa(i)+"].sku", "duplicate", "%s twice", x.SKU)
			seen[x.SKU] = true
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if p.listed {
		return domain.Errorf(domain.Conflict, CodeAlreadyListed, "product %s is already listed", p.id)
	}
	p.raise(Listed{ProductID: p.id, VendorID: cmd.VendorID, Details: cmd.Details, Variants: cmd.Variants, At: now})
	return nil
}

// Update replaces the details.
type Update struct {
	VendorID domain.VendorID
	Details  Details
}

func (p *Product) Update(cmd Update, now time.Time) error {
	var v domain.Validation
	checkDetails(&v, cmd.Details)
	if err := v.Err(); err != nil {
		return err
	}
	if err := p.editable(cmd.VendorID); err != nil {
		return err
	}
	p.raise(Updated{Details: cmd.Details, At: now})
	return nil
}

// AddVariant adds a size.
type AddVariant struct {
	VendorID domain.VendorID
	Variant  Variant
}

func (p *Product) AddVariant(cmd AddVariant, now time.Time) error {
	var v domain.Validation
	checkVariant(&v, "variant", cmd.Variant)
	if err := v.Err(); err != nil {
		return err
	}
	if err := p.editable(cmd.VendorID); err != nil {
		return err
	}
	if slices.ContainsFunc(p.variants, func(x Variant) bool { return x.SKU == cmd.Variant.SKU }) {
		return domain.Errorf(domain.Conflict, CodeDuplicateSKU, "product %s already has %s", p.id, cmd.Variant.SKU)
	}
	p.raise(VariantAdded{Variant: cmd.Variant, At: now})
	return nil
}

// Reprice replaces a SKU's price list.
type Reprice struct {
	VendorID domain.VendorID
	SKU      domain.SKU
	Prices   map[domain.Currency]domain.Money
}

func (p *Product) Reprice(cmd Reprice, now time.Time) error {
	var v domain.Validation
	checkPrices(&v, "prices", cmd.Prices)
	if err := v.Err(); err != nil {
		return err
	}
	if err := p.editable(cmd.VendorID); err != nil {
		return err
	}
	if !slices.ContainsFunc(p.variants, func(x Variant) bool { return x.SKU == cmd.SKU }) {
		return domain.Errorf(domain.NotFound, CodeUnknownSKU, "product %s has no %s", p.id, cmd.SKU)
	}
	p.raise(Repriced{SKU: cmd.SKU, Prices: cmd.Prices, At: now})
	return nil
}

// DelistCode says why a product went off sale, in a form reports can count.
type DelistCode string

const (
	DelistDiscontinued    DelistCode = "discontinued"     // the vendor stopped selling it
	DelistCounterfeit     DelistCode = "counterfeit"      // a takedown: not the original it claims
	DelistPolicyViolation DelistCode = "policy_violation" // listing breaks marketplace rules
	DelistVendorSuspended DelistCode = "vendor_suspended" // its vendor may no longer sell
	DelistOther           DelistCode = "other"            // see the reason; every version 1 delisting
)

// DelistCodes lists every code.
func DelistCodes() []DelistCode {
	return []DelistCode{DelistDiscontinued, DelistCounterfeit, DelistPolicyViolation, DelistVendorSuspended, DelistOther}
}

// Delist takes the product off sale; delisting twice is a retry.
type Delist struct {
	VendorID domain.VendorID
	Code     DelistCode
	Reason   string
}

func (p *Product) Delist(cmd Delist, now time.Time) error {
	var v domain.Validation
	v.Check(slices.Contains(DelistCodes(), cmd.Code), "code", domain.ProblemInvalid, "unknown delisting code %q", cmd.Code)
	v.Text("reason", cmd.Reason, 500)
	if err := v.Err(); err != nil {
		return err
	}
	if p.delisted && p.vendor == cmd.VendorID {
		return nil
	}
	if err := p.editable(cmd.VendorID); err != nil {
		return err
	}
	p.raise(Delisted{Code: cmd.Code, Reason: cmd.Reason, At: now})
	return nil
}

// editable checks that the product is on sale and that vendor owns it. The
// command layer passes the owner's ID for an admin acting on its behalf.
func (p *Product) editable(vendor domain.VendorID) error {
	switch {
	case !p.listed:
		return domain.Errorf(domain.NotFound, CodeNotListed, "product %s is not listed", p.id)
	case vendor != p.vendor:
		return domain.Errorf(domain.Forbidden, CodeNotOwner, "product %s belongs to another vendor", p.id)
	case p.delisted:
		return domain.Errorf(domain.Conflict, CodeDelisted, "product %s was delisted", p.id)
	}
	return nil
}

func checkDetails(v *domain.Validation, d Details) {
	v.Text("details.name.en", d.Name.English, 200)
	v.Text("details.name.ar", d.Name.Arabic, 400)
	v.Text("details.brand", d.Brand, 100)
	v.Check(slices.Contains(Categories(), d.Category), "details.category", domain.ProblemInvalid, "unknown category %q", d.Category)
	v.OptionalText("details.concentration", d.Concentration, 50)
	v.Check(d.Gender == Men || d.Gender == Women || d.Gender == Unisex, "details.gender", domain.ProblemInvalid, "must be men, women or unisex")
	switch d.Origin {
	case Original:
		v.Check(d.InspiredBy == "", "details.inspired_by", domain.ProblemInvalid, "an original is not inspired by another")
	case InspiredBy:
		v.Text("details.inspired_by", d.InspiredBy, 200)
	default:
		v.Add("details.origin", domain.ProblemInvalid, "must be original or inspired_by")
	}
	v.Check(len(d.Images) <= 20, "details.images", domain.ProblemRange, "at most 20 images")
	for i, key := range d.Images {
		v.Text("details.images["+strconv.Itoa(i)+"]", key, 512)
	}
	notes := map[string][]string{"top": d.Scent.Top, "heart": d.Scent.Heart, "base": d.Scent.Base, "accords": d.Scent.Accords, "seasons": d.Scent.Seasons, "occasions": d.Scent.Occasions}
	for _, name := range []string{"top", "heart", "base", "accords", "seasons", "occasions"} {
		list := notes[name]
		v.Check(len(list) <= 30, "details.scent."+name, domain.ProblemRange, "at most 30")
		for i, s := range list {
			v.Text("details.scent."+name+"["+strconv.Itoa(i)+"]", s, 60)
		}
	}
}

func checkVariant(v *domain.Validation, field string, x Variant) {
	v.ID(field+".sku", string(x.SKU))
	v.Check(x.SizeML > 0 && x.SizeML <= 5000, field+".size_ml", domain.ProblemRange, "must be 1–5000 ml")
	checkPrices(v, field+".prices", x.Prices)
}

func checkPrices(v *domain.Validation, field string, prices map[domain.Currency]domain.Money) {
	if !v.Check(len(prices) > 0, field, domain.ProblemRequired, "at least one currency") {
		return
	}
	keys := make([]domain.Currency, 0, len(prices))
	for c := range prices {
		keys = append(keys, c)
	}
	slices.Sort(keys) // problems in a stable order
	for _, c := range keys {
		v.PositiveMoney(field+"["+string(c)+"]", prices[c], c)
	}
}

// Apply replays a stored event. It never fails.
func (p *Product) Apply(e domain.Event) {
	p.apply(e)
	p.root.Loaded()
}

func (p *Product) raise(e domain.Event) {
	p.apply(e)
	p.root.Record(e)
}

func (p *Product) apply(e domain.Event) {
	switch e := e.(type) {
	case Listed:
		p.listed, p.vendor, p.details, p.variants = true, e.VendorID, e.Details, slices.Clone(e.Variants)
	case Updated:
		p.details = e.Details
	case VariantAdded:
		p.variants = append(p.variants, e.Variant)
	case Repriced:
		for i := range p.variants {
			if p.variants[i].SKU == e.SKU {
				p.variants[i].Prices = e.Prices
			}
		}
	case Delisted:
		p.delisted, p.delistedFor = true, e.Code
	}
}
