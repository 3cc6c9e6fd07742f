package product_test

import (
	"context"
	"os"
	"testing"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	prodcmd "github.com/souq-market/souq/commands/product"
	vendorcmd "github.com/souq-market/souq/commands/vendor"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/vendor"
	"github.com/souq-market/souq/eventstore"
)

func details() product.Details {
	return product.Details{Name: product.Name{English: "Royal Oud", Arabic: "عود ملكي"}, Brand: "Dar Al Oud", Category: product.Oud,
		Gender: product.Unisex, Origin: product.Original, Scent: product.ScentProfile{Base: []string{"oud"}}}
}

func prices(t *testing.T, aed int64) map[domain.Currency]domain.Money {
	return map[domain.Currency]domain.Money{domain.AED: commandstest.Money(t, aed, domain.AED)}
}

// vendorIn takes a vendor through onboarding up to status.
func vendorIn(t *testing.T, d vendorcmd.Deps, id domain.VendorID, approve bool) {
	t.Helper()
	ctx := context.Background()
	commandstest.Must(vendorcmd.Onboard{Deps: d}.Handle(ctx, vendorcmd.For[vendor.Register]{VendorID: id, Cmd: vendor.Register{Name: "Dar " + string(id), Country: domain.UAE, Email: "ops@" + string(id) + ".ae"}}, commands.Meta{}))(t)
	commandstest.Must(vendorcmd.SubmitKYC{Deps: d}.Handle(ctx, vendorcmd.For[vendor.SubmitKYC]{VendorID: id, Cmd: vendor.SubmitKYC{Documents: []vendor.Document{{Kind: vendor.TradeLicence, BlobKey: "kyc/" + string(id) + "/licence.pdf"}}}}, commands.Meta{}))(t)
	if approve {
		commandstest.Must(vendorcmd.Approve{Deps: d}.Handle(ctx, vendorcmd.For[vendor.Approve]{VendorID: id, Cmd: vendor.Approve{CommissionRate: 1500}}, commands.Meta{}))(t)
	}
}

func TestProductHandlers(t *testing.T) {
	ctx := context.Background()
	x, st := commandstest.Exec(t)
	d := prodcmd.Deps{Exec: x, Now: commandstest.Clock(commandstest.T0)}
	vd := vendorcmd.Deps{Exec: x, Now: d.Now}
	list := func(vendorID domain.VendorID) prodcmd.For[product.List] {
		return prodcmd.For[product.List]{ProductID: "p-1", Cmd: product.List{VendorID: vendorID, Details: details(),
			Variants: []product.Variant{{SKU: "oud-50", SizeML: 50, Prices: prices(t, 45000)}}}}
	}

	// Only an approved vendor lists.
	_, err := prodcmd.List{Deps: d}.Handle(ctx, list("v-a"), commands.Meta{})
	commandstest.Refused(t, err, domain.NotFound, vendor.CodeNotRegistered)
	vendorIn(t, vd, "v-a", false)
	_, err = prodcmd.List{Deps: d}.Handle(ctx, list("v-a"), commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, prodcmd.CodeVendorCannotSell)
	commandstest.Types(t, st, "product-p-1")
	must := func(r commands.Result, err error) commands.Result { t.Helper(); return commandstest.Must(r, err)(t) }
	must(vendorcmd.Approve{Deps: vd}.Handle(ctx, vendorcmd.For[vendor.Approve]{VendorID: "v-a", Cmd: vendor.Approve{CommissionRate: 1500}}, commands.Meta{}))

	meta := commands.Meta{CommandID: "list-p-1", Actor: eventstore.Actor{UserID: "u-7", Role: "vendor"}}
	first := must(prodcmd.List{Deps: d}.Handle(ctx, list("v-a"), meta))
	again := must(prodcmd.List{Deps: d}.Handle(ctx, list("v-a"), meta)) // the same command twice writes once
	if !again.Replayed || again.Position != first.Position || first.Events != 1 {
		t.Fatalf("first %+v, again %+v", first, again)
	}
	_, err = prodcmd.List{Deps: d}.Handle(ctx, list("v-a"), commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, product.CodeAlreadyListed)

	// Another vendor may not touch it; staff act for the owner.
	d2 := details()
	d2.Brand = "Dar Al Oud Royal"
	_, err = prodcmd.Update{Deps: d}.Handle(ctx, prodcmd.For[product.Update]{ProductID: "p-1", Cmd: product.Update{VendorID: "v-b", Details: d2}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Forbidden, product.CodeNotOwner)
	must(prodcmd.Update{Deps: d}.Handle(ctx, prodcmd.For[product.Update]{ProductID: "p-1", Staff: true, Cmd: product.Update{Details: d2}}, commands.Meta{Actor: eventstore.Actor{UserID: "a-1", Role: "admin"}}))
	_, err = prodcmd.Reprice{Deps: d}.Handle(ctx, prodcmd.For[product.Reprice]{ProductID: "p-1", Cmd: product.Reprice{VendorID: "v-a", SKU: "oud-75", Prices: prices(t, 1)}}, commands.Meta{})
	commandstest.Refused(t, err, domain.NotFound, product.CodeUnknownSKU)
	_, err = prodcmd.Reprice{Deps: d}.Handle(ctx, prodcmd.For[product.Reprice]{ProductID: "p-1", Cmd: product.Reprice{VendorID: "v-a", SKU: "oud-50", Prices: map[domain.Currency]domain.Money{domain.AED: commandstest.Money(t, 0, domain.AED)}}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Invalid, domain.CodeInvalidCommand)
	must(prodcmd.Reprice{Deps: d}.Handle(ctx, prodcmd.For[product.Reprice]{ProductID: "p-1", Cmd: product.Reprice{VendorID: "v-a", SKU: "oud-50", Prices: prices(t, 39900)}}, commands.Meta{}))
	must(prodcmd.AddVariant{Deps: d}.Handle(ctx, prodcmd.For[product.AddVariant]{ProductID: "p-1", Cmd: product.AddVariant{VendorID: "v-a", Variant: product.Variant{SKU: "oud-100", SizeML: 100, Prices: prices(t, 70000)}}}, commands.Meta{}))
	_, err = prodcmd.Delist{Deps: d}.Handle(ctx, prodcmd.For[product.Delist]{ProductID: "p-1", Cmd: product.Delist{VendorID: "v-b", Code: product.DelistOther, Reason: "spite"}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Forbidden, product.CodeNotOwner)
	for range 2 { // delisting twice records it once
		must(prodcmd.Delist{Deps: d}.Handle(ctx, prodcmd.For[product.Delist]{ProductID: "p-1", Staff: true, Cmd: product.Delist{Code: product.DelistCounterfeit, Reason: "counterfeit reported"}}, commands.Meta{}))
	}
	_, err = prodcmd.Reprice{Deps: d}.Handle(ctx, prodcmd.For[product.Reprice]{ProductID: "p-1", Cmd: product.Reprice{VendorID: "v-a", SKU: "oud-50", Prices: prices(t, 1)}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, product.CodeDelisted)

	commandstest.Types(t, st, "product-p-1", product.TypeListed, product.TypeUpdated, product.TypeRepriced, product.TypeVariantAdded, product.TypeDelisted)
	recs := commandstest.Read(t, st, "product-p-1")
	if md := recs[0].Metadata; md.CommandID != "list-p-1" || md.Actor.UserID != "u-7" {
		t.Fatalf("metadata %+v", md)
	}
	if md := recs[1].Metadata; md.Actor.Role != "admin" {
		t.Fatalf("staff update recorded as %+v", md.Actor)
	}
	p := commandstest.Must(commands.Load(ctx, x, "product-p-1", func() *product.Product { return product.New("p-1") }))(t)
	if m, _ := p.Price("oud-50", domain.AED); m.Amount() != 39900 || p.Details().Brand != "Dar Al Oud Royal" || p.OnSale() || p.Vendor() != "v-a" || p.DelistedFor() != product.DelistCounterfeit {
		t.Fatalf("price %v, details %+v, on sale %v", m, p.Details(), p.OnSale())
	}
}

// A product.delisted stored at schema version 1 (appended raw, as an older
// souq wrote it) loads through the registry's upcaster and the aggregate as
// version 2: off sale, code "other"; and deciding on top of it still works.
func TestStoredV1DelistingLoadsAsV2(t *testing.T) {
	ctx := context.Background()
	x, st := commandstest.Exec(t)
	d := prodcmd.Deps{Exec: x, Now: commandstest.Clock(commandstest.T0)}
	vendorIn(t, vendorcmd.Deps{Exec: x, Now: d.Now}, "v-a", true)
	commandstest.Must(prodcmd.List{Deps: d}.Handle(ctx, prodcmd.For[product.List]{ProductID: "p-1", Cmd: product.List{VendorID: "v-a", Details: details(),
		Variants: []product.Variant{{SKU: "oud-50", SizeML: 50, Prices: prices(t, 45000)}}}}, commands.Meta{}))(t)
	v1, err := os.ReadFile("../../domain/product/testdata/product.delisted.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Append(ctx, "product-p-1", eventstore.Exact(0), []eventstore.EventData{{ID: "6f1c1a52-4a8e-4c55-9d7e-2b1f0b6a9e01", Type: product.TypeDelisted, SchemaVersion: 1, Data: v1}})
	if err != nil {
		t.Fatal(err)
	}
	recs := commandstest.Read(t, st, "product-p-1")
	if recs[1].SchemaVersion != 1 {
		t.Fatalf("stored as v%d", recs[1].SchemaVersion)
	}
	e := commandstest.Must(x.Registry().DecodeRecorded(recs[1]))(t).(product.Delisted)
	if e != (product.Delisted{Code: product.DelistOther, Reason: "discontinued", At: commandstest.T0}) {
		t.Fatalf("upcast to %+v", e)
	}
	p := commandstest.Must(commands.Load(ctx, x, "product-p-1", func() *product.Product { return product.New("p-1") }))(t)
	if p.OnSale() || p.DelistedFor() != product.DelistOther || p.Version() != 2 {
		t.Fatalf("on sale %v, delisted for %q, version %d", p.OnSale(), p.DelistedFor(), p.Version())
	}
	// Delisting again is a no-op; repricing is refused: the v1 event counts.
	r := commandstest.Must(prodcmd.Delist{Deps: d}.Handle(ctx, prodcmd.For[product.Delist]{ProductID: "p-1", Cmd: product.Delist{VendorID: "v-a", Code: product.DelistDiscontinued, Reason: "again"}}, commands.Meta{}))(t)
	if r.Events != 0 {
		t.Fatalf("%+v", r)
	}
	_, err = prodcmd.Reprice{Deps: d}.Handle(ctx, prodcmd.For[product.Reprice]{ProductID: "p-1", Cmd: product.Reprice{VendorID: "v-a", SKU: "oud-50", Prices: prices(t, 1)}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, product.CodeDelisted)
}
