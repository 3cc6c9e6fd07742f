package product_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/domaintest"
	"github.com/souq-market/souq/domain/product"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func details() product.Details {
	return product.Details{
		Name: product.Name{English: "Royal Oud", Arabic: "عود ملكي"}, Brand: "Dar Al Oud", Category: product.Oud,
		Concentration: "extrait", Gender: product.Unisex, Origin: product.Original, Images: []string{"products/p-1/1.jpg"},
		Scent: product.ScentProfile{Top: []string{"saffron"}, Heart: []string{"rose"}, Base: []string{"oud", "amber"}, Accords: []string{"woody"}, OudType: "Cambodi", Seasons: []string{"winter"}, Occasions: []string{"evening"}, Longevity: "eternal", Sillage: "strong"},
	}
}

func prices(t testing.TB, aed, sar int64) map[domain.Currency]domain.Money {
	return map[domain.Currency]domain.Money{domain.AED: domaintest.Money(t, aed, domain.AED), domain.SAR: domaintest.Money(t, sar, domain.SAR)}
}

func listed(t testing.TB) product.Listed {
	return product.Listed{ProductID: "p-1", VendorID: "v-a", Details: details(), Variants: []product.Variant{{SKU: "oud-50", SizeML: 50, Prices: prices(t, 45000, 46000)}}, At: t0}
}

func given(events ...domain.Event) *product.Product {
	p := product.New("p-1")
	for _, e := range events {
		p.Apply(e)
	}
	return p
}

func TestList(t *testing.T) {
	p := given()
	l := listed(t)
	if err := p.List(product.List{VendorID: "v-a", Details: l.Details, Variants: l.Variants}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes(), l)
	if m, ok := p.Price("oud-50", domain.SAR); !ok || m.Amount() != 46000 || !p.OnSale() {
		t.Fatal(m, ok)
	}
	domaintest.Refused(t, given(l).List(product.List{VendorID: "v-a", Details: l.Details, Variants: l.Variants}, t0), nil, domain.Conflict, product.CodeAlreadyListed)

	d := details()
	d.Name.Arabic = ""
	d.Category = "shampoo"
	d.Origin = product.InspiredBy
	bad := []product.Variant{{SKU: "x", SizeML: 0, Prices: map[domain.Currency]domain.Money{domain.AED: domaintest.Money(t, 5, domain.SAR)}}, {SKU: "x", SizeML: 10, Prices: nil}}
	err := given().List(product.List{VendorID: "v-a", Details: d, Variants: bad}, t0)
	domaintest.Problems(t, err, "details.name.ar", "details.category", "details.inspired_by", "variants[0].size_ml", "variants[0].prices[AED]", "variants[1].prices", "variants[1].sku")
}

func TestChanges(t *testing.T) {
	d := details()
	d.Origin, d.InspiredBy = product.InspiredBy, "Oud Wood"
	p := given(listed(t))
	if err := p.Update(product.Update{VendorID: "v-a", Details: d}, t0); err != nil {
		t.Fatal(err)
	}
	if err := p.AddVariant(product.AddVariant{VendorID: "v-a", Variant: product.Variant{SKU: "oud-100", SizeML: 100, Prices: prices(t, 80000, 82000)}}, t0); err != nil {
		t.Fatal(err)
	}
	if err := p.Reprice(product.Reprice{VendorID: "v-a", SKU: "oud-50", Prices: prices(t, 39900, 40900)}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes(),
		product.Updated{Details: d, At: t0},
		product.VariantAdded{Variant: product.Variant{SKU: "oud-100", SizeML: 100, Prices: prices(t, 80000, 82000)}, At: t0},
		product.Repriced{SKU: "oud-50", Prices: prices(t, 39900, 40900), At: t0},
	)
	if m, _ := p.Price("oud-50", domain.AED); m.Amount() != 39900 || len(p.Variants()) != 2 {
		t.Fatal(m)
	}

	p = given(listed(t))
	domaintest.Refused(t, p.Reprice(product.Reprice{VendorID: "v-b", SKU: "oud-50", Prices: prices(t, 1, 1)}, t0), nil, domain.Forbidden, product.CodeNotOwner)
	domaintest.Refused(t, p.Reprice(product.Reprice{VendorID: "v-a", SKU: "oud-75", Prices: prices(t, 1, 1)}, t0), nil, domain.NotFound, product.CodeUnknownSKU)
	domaintest.Refused(t, p.AddVariant(product.AddVariant{VendorID: "v-a", Variant: listed(t).Variants[0]}, t0), nil, domain.Conflict, product.CodeDuplicateSKU)
	domaintest.Refused(t, given().Update(product.Update{VendorID: "v-a", Details: details()}, t0), nil, domain.NotFound, product.CodeNotListed)
}

func TestDelist(t *testing.T) {
	p := given(listed(t))
	domaintest.Refused(t, p.Delist(product.Delist{VendorID: "v-b", Code: product.DelistOther, Reason: "x"}, t0), nil, domain.Forbidden, product.CodeNotOwner)
	domaintest.Problems(t, p.Delist(product.Delist{VendorID: "v-a", Code: "bored"}, t0), "code", "reason")
	if err := p.Delist(product.Delist{VendorID: "v-a", Code: product.DelistDiscontinued, Reason: "discontinued"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes(), product.Delisted{Code: product.DelistDiscontinued, Reason: "discontinued", At: t0})
	if p.DelistedFor() != product.DelistDiscontinued {
		t.Fatal(p.DelistedFor())
	}
	p = given(listed(t), product.Delisted{Code: product.DelistCounterfeit, Reason: "not original"})
	if err := p.Delist(product.Delist{VendorID: "v-a", Code: product.DelistOther, Reason: "again"}, t0); err != nil || p.OnSale() || p.DelistedFor() != product.DelistCounterfeit {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes())
	domaintest.Refused(t, p.Reprice(product.Reprice{VendorID: "v-a", SKU: "oud-50", Prices: prices(t, 1, 1)}, t0), nil, domain.Conflict, product.CodeDelisted)
}

func TestGolden(t *testing.T) {
	samples := []domain.Event{
		listed(t),
		product.Updated{Details: details(), At: t0},
		product.VariantAdded{Variant: product.Variant{SKU: "oud-100", SizeML: 100, Prices: prices(t, 80000, 82000)}, At: t0},
		product.Repriced{SKU: "oud-50", Prices: prices(t, 39900, 40900), At: t0},
		product.Delisted{Code: product.DelistDiscontinued, Reason: "discontinued", At: t0},
	}
	domaintest.Covers(t, product.Events(), samples)
	domaintest.Golden(t, samples...)
}

// A stored version 1 delisting (testdata/product.delisted.v1.json, frozen as
// it was written) upcasts to version 2 with code "other" and every other
// field kept; what is not a version 1 object is refused, not guessed at.
func TestUpcastDelistedV1(t *testing.T) {
	v1, err := os.ReadFile("testdata/product.delisted.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	v2, err := product.UpcastDelistedV1(v1)
	if err != nil {
		t.Fatal(err)
	}
	var got product.Delisted
	if err := json.Unmarshal(v2, &got); err != nil {
		t.Fatal(err)
	}
	if want := (product.Delisted{Code: product.DelistOther, Reason: "discontinued", At: t0}); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for _, bad := range []string{`null`, `[1]`, `"x"`, `{"code":"counterfeit","reason":"x"}`, `{`} {
		if out, err := product.UpcastDelistedV1(json.RawMessage(bad)); err == nil {
			t.Errorf("%s upcast to %s", bad, out)
		}
	}
}
