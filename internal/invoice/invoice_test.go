package invoice_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/invoice"
)

func money(t *testing.T, minor int64, c domain.Currency) domain.Money {
	m, err := domain.New(minor, c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func placed(t *testing.T) order.Placed {
	aed := func(n int64) domain.Money { return money(t, n, domain.AED) }
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	return order.Placed{OrderID: "o-7", CustomerID: "c-1", Country: "AE", PaymentMethod: order.PayByCard,
		Lines: []order.PricedLine{
			{SKU: "oud-50", ProductID: "p-1", VendorID: "v-1", Quantity: 2, UnitPrice: aed(62_500), Total: aed(125_000), Discount: aed(0)},
			{SKU: "musk-30", ProductID: "p-2", VendorID: "v-2", Quantity: 1, UnitPrice: aed(9_950), Total: aed(9_950), Discount: aed(0)},
		},
		SubOrders: []order.SubOrder{
			{ID: "o-7:1", VendorID: "v-1", Lines: []domain.SKU{"oud-50"}, Subtotal: aed(125_000), Discount: aed(0), Shipping: aed(0), Total: aed(125_000), VAT: aed(5_952), Commission: aed(0)},
			{ID: "o-7:2", VendorID: "v-2", Lines: []domain.SKU{"musk-30"}, Subtotal: aed(9_950), Discount: aed(0), Shipping: aed(1_500), Total: aed(11_450), VAT: aed(545), Commission: aed(0)},
		},
		Totals: order.Totals{Subtotal: aed(134_950), Discount: aed(0), Shipping: aed(1_500), Total: aed(136_450), VAT: aed(6_497),
			Cashback: aed(0), Wallet: aed(0), Due: aed(136_450)},
		At: at}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		m    domain.Money
		want string
	}{
		{money(t, 123_456_789, domain.AED), "AED 1,234,567.89"},
		{money(t, 5, domain.SAR), "SAR 0.05"},
		{money(t, 1_234_567, "KWD"), "KWD 1,234.567"},
		{money(t, -100_000, domain.AED), "AED -1,000.00"},
		{money(t, 99_900, domain.SAR), "SAR 999.00"},
	} {
		if got := invoice.Format(c.m); got != c.want {
			t.Errorf("Format(%v) = %q, want %q", c.m, got, c.want)
		}
	}
}

func TestRenderShowsLinesVATAndTotals(t *testing.T) {
	inv := invoice.FromPlaced(placed(t), time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	pdf, err := invoice.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	if blob.Sniff(pdf) != blob.PDF {
		t.Fatalf("not a PDF: %q", pdf[:16])
	}
	text := string(pdf)
	for _, want := range []string{"INV-o-7", "Sold by v-1 - sub-order o-7:1", "Sold by v-2 - sub-order o-7:2",
		"oud-50", "AED 625.00", "AED 1,250.00", "VAT included \\(5%\\)", "AED 59.52", "AED 5.45", "AED 15.00",
		"AED 1,364.50", "AED 64.97"} {
		if !strings.Contains(text, want) {
			t.Errorf("the invoice lacks %q", want)
		}
	}
	again, _ := invoice.Render(inv)
	if !bytes.Equal(pdf, again) {
		t.Error("rendering the same invoice twice gave different bytes")
	}
}

// TestProjectorIssuesOnConfirmation: nothing before order.confirmed, the
// invoice after it, the same bytes when the event is delivered again.
func TestProjectorIssuesOnConfirmation(t *testing.T) {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	t.Cleanup(func() { _ = store.Close() })
	reg := commands.NewRegistry()
	files, err := blob.NewFiles(t.TempDir(), blob.Links{Secret: bytes.Repeat([]byte("k"), 32)})
	if err != nil {
		t.Fatal(err)
	}
	p := &invoice.Projector{Store: store, Reg: reg, Blobs: files}
	md := eventstore.Metadata{CommandID: "cmd-1"}
	pe, _ := reg.NewEvent("6f1c2f0e-8a35-4a59-9d7e-3c1a2b4d5e01", placed(t), md)
	ce, _ := reg.NewEvent("6f1c2f0e-8a35-4a59-9d7e-3c1a2b4d5e02", order.Confirmed{At: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}, md)
	if _, err := store.Append(ctx, "order-o-7", eventstore.NoStream, []eventstore.EventData{pe}); err != nil {
		t.Fatal(err)
	}
	recs, _ := store.ReadStream(ctx, "order-o-7", eventstore.ReadStreamOptions{})
	if err := p.Handle(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if _, err := files.Stat(ctx, invoice.Key("o-7")); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("an invoice before confirmation: %v", err)
	}
	if _, err := store.Append(ctx, "order-o-7", eventstore.StreamExists, []eventstore.EventData{ce}); err != nil {
		t.Fatal(err)
	}
	recs, _ = store.ReadStream(ctx, "order-o-7", eventstore.ReadStreamOptions{})
	read := func() []byte {
		rc, info, err := files.Get(ctx, invoice.Key("o-7"))
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		if info.ContentType != blob.PDF {
			t.Fatalf("stored as %s", info.ContentType)
		}
		return b
	}
	if err := p.Handle(ctx, recs); err != nil {
		t.Fatal(err)
	}
	first := read()
	if !strings.Contains(string(first), "INV-o-7") {
		t.Fatal("the stored invoice is not o-7's")
	}
	if err := p.Handle(ctx, recs[1:]); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read(), first) {
		t.Fatal("a redelivered confirmation changed the invoice")
	}
}
