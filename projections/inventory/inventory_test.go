package inventory_test

import (
	"context"
	"testing"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/projections"
	invview "github.com/souq-market/souq/projections/inventory"
	"github.com/souq-market/souq/projections/inventory/stockq"
	"github.com/souq-market/souq/projections/viewtest"
)

func TestInventoryView(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		// Only the product events the view reads: others need upcasters that
		// commands.NewRegistry holds.
		reg := viewtest.Registry(inventory.Events(), []domain.Event{product.Listed{}, product.VariantAdded{}})
		h := viewtest.NewHistory(t, reg)
		at := h.At()
		h.Add("product-p-1", product.Listed{ProductID: "p-1", VendorID: "v-1", Variants: []product.Variant{{SKU: "oud-50", SizeML: 50}}, At: at})
		h.Add("product-p-1", product.VariantAdded{Variant: product.Variant{SKU: "oud-100", SizeML: 100}, At: at})
		s := func(sku, loc string) string { return "inventory-" + sku + "@" + loc }
		h.Add(s("oud-50", "dxb"), inventory.Received{SKU: "oud-50", Location: "dxb", Quantity: 10, At: at})
		h.Add(s("oud-50", "ruh"), inventory.Received{SKU: "oud-50", Location: "ruh", Quantity: 4, At: at})
		h.Add(s("oud-50", "dxb"), inventory.Reserved{SKU: "oud-50", Location: "dxb", ReservationID: "r1", OrderID: "o-1", Quantity: 3, ExpiresAt: at, At: at})
		h.Add(s("oud-50", "dxb"), inventory.Reserved{SKU: "oud-50", Location: "dxb", ReservationID: "r2", OrderID: "o-2", Quantity: 2, ExpiresAt: at, At: at})
		h.Add(s("oud-50", "dxb"), inventory.Reserved{SKU: "oud-50", Location: "dxb", ReservationID: "r3", OrderID: "o-3", Quantity: 1, ExpiresAt: at, At: at})
		h.Add(s("oud-50", "dxb"), inventory.ReservationCommitted{SKU: "oud-50", Location: "dxb", ReservationID: "r1", Quantity: 3, At: at})
		h.Add(s("oud-50", "dxb"), inventory.ReservationReleased{SKU: "oud-50", Location: "dxb", ReservationID: "r2", Quantity: 2, At: at})
		h.Add(s("oud-50", "dxb"), inventory.ReservationExpired{SKU: "oud-50", Location: "dxb", ReservationID: "r3", Quantity: 1, At: at})
		h.Add(s("oud-50", "ruh"), inventory.Reserved{SKU: "oud-50", Location: "ruh", ReservationID: "r4", OrderID: "o-4", Quantity: 4, ExpiresAt: at, At: at})
		h.Add(s("oud-50", "dxb"), inventory.Adjusted{SKU: "oud-50", Location: "dxb", Delta: -1, Reason: "damaged", At: at})

		viewtest.Prove(t, db, h.Store, func() projections.Projector { return invview.New(reg) }, func(db viewtest.DB) string {
			return viewtest.Dump(t, db.R,
				`SELECT sku, location, on_hand, reserved, updated_at FROM stock ORDER BY sku, location`,
				`SELECT sku, vendor_id FROM stock_owners ORDER BY sku`,
				`SELECT product_id, vendor_id FROM stock_products ORDER BY product_id`)
		})

		rd := stockq.New(db.R, db.Rebind)
		ctx := context.Background()
		got, err := rd.Get(ctx, "oud-50", "")
		if err != nil {
			t.Fatal(err)
		}
		// dxb: 10 − 3 committed − 1 damaged = 6 on hand, none reserved;
		// ruh: 4 on hand, all 4 reserved.
		if got.VendorID != "v-1" || got.OnHand != 10 || got.Reserved != 4 || got.Available != 6 || len(got.Locations) != 2 ||
			got.Locations[0] != (stockq.Level{Location: "dxb", OnHand: 6, Available: 6, UpdatedAt: got.Locations[0].UpdatedAt}) ||
			got.Locations[1].Available != 0 || got.Locations[1].Reserved != 4 {
			t.Fatalf("oud-50: %+v", got)
		}
		if one, err := rd.Get(ctx, "oud-50", "ruh"); err != nil || len(one.Locations) != 1 || one.Available != 0 {
			t.Fatalf("oud-50 at ruh: %+v %v", one, err)
		}
		// Listed, never received: known, with no stock.
		if v, err := rd.Get(ctx, "oud-100", ""); err != nil || v.VendorID != "v-1" || v.OnHand != 0 {
			t.Fatalf("oud-100: %+v %v", v, err)
		}
		if _, err := rd.Get(ctx, "musk-1", ""); err == nil {
			t.Fatal("an unknown SKU was found")
		}
		if _, err := rd.Get(ctx, "oud-50", "jed"); err == nil {
			t.Fatal("oud-50 found where it never was")
		}
	})
}
