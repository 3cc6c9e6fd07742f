package catalog

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/domain/product"
)

func TestDeterministic(t *testing.T) {
	a, b := Generate(7, 200), Generate(7, 200)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave two catalogs")
	}
	if small := Generate(7, 50); !reflect.DeepEqual(small, a[:50]) {
		t.Fatal("a smaller catalog is not a prefix of a larger one")
	}
	if other := Generate(8, 200); reflect.DeepEqual(other, a) {
		t.Fatal("two seeds gave the same catalog")
	}
}

// Every generated product passes the domain's own listing rules, and the
// catalog covers the facets a shopper filters on.
func TestValidAndVaried(t *testing.T) {
	items := Generate(1, 500)
	cats, brands, inspired, arabicVariants := map[product.Category]int{}, map[string]int{}, 0, 0
	for _, it := range items {
		p := product.New(it.ProductID)
		if err := p.List(product.List{VendorID: it.VendorID, Details: it.Details, Variants: it.Variants}, time.Now()); err != nil {
			t.Fatalf("%s: %v", it.ProductID, err)
		}
		cats[it.Details.Category]++
		brands[it.Details.Brand]++
		if it.Details.Origin == product.InspiredBy {
			inspired++
		}
		for _, w := range []string{"الأمير", "الملكة", "ليلى"} {
			if strings.Contains(it.Details.Name.Arabic, w) {
				arabicVariants++
			}
		}
		for sku, locs := range it.Stock {
			for _, n := range locs {
				if n <= 0 {
					t.Fatalf("%s: stock %d received", sku, n)
				}
			}
		}
	}
	if len(cats) != 10 || len(brands) < 10 || inspired == 0 || arabicVariants == 0 {
		t.Fatalf("too little variety: %d categories, %d brands, %d inspired, %d Arabic variant names", len(cats), len(brands), inspired, arabicVariants)
	}
}
