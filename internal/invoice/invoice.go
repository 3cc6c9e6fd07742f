package invoice

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
)

// Invoice is what the PDF shows.
type Invoice struct {
	Number    string
	OrderID   domain.OrderID
	Customer  domain.CustomerID
	Country   domain.Country
	Method    order.PaymentMethod
	PlacedAt  time.Time
	IssuedAt  time.Time
	Lines     []order.PricedLine
	SubOrders []order.SubOrder
	Totals    order.Totals
}

// FromPlaced is the invoice of a placed order, issued at issued.
func FromPlaced(p order.Placed, issued time.Time) Invoice {
	return Invoice{Number: "INV-" + string(p.OrderID), OrderID: p.OrderID, Customer: p.CustomerID, Country: p.Country,
		Method: p.PaymentMethod, PlacedAt: p.At, IssuedAt: issued, Lines: p.Lines, SubOrders: p.SubOrders, Totals: p.Totals}
}

// Format renders money as "AED 1,234.50": the currency's decimals, the
// whole part grouped by thousands.
func Format(m domain.Money) string {
	d := m.Decimal()
	sign := ""
	if strings.HasPrefix(d, "-") {
		sign, d = "-", d[1:]
	}
	whole, frac, hasFrac := strings.Cut(d, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return string(m.Currency()) + " " + sign + b.String()
}

// Render draws the invoice as a PDF. The same invoice gives the same
// bytes (the PDF's dates are the issue date), so issuing again after a
// replay stores nothing different.
func Render(inv Invoice) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(inv.IssuedAt)
	pdf.SetModificationDate(inv.IssuedAt)
	pdf.SetTitle("Tax invoice "+inv.Number, true)
	pdf.SetAuthor("souq", true)
	// Uncompressed: an invoice is a few KB either way, and its text stays
	// searchable by tools (and tests) that do not inflate streams.
	pdf.SetCompression(false)
	// Sorted catalogues: fpdf otherwise walks maps, so the bytes would
	// differ from one rendering to the next.
	pdf.SetCatalogSort(true)
	pdf.SetMargins(15, 15, 15)
	pdf.AddPage()

	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(0, 10, "Tax invoice", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	for _, kv := range [][2]string{
		{"Invoice", inv.Number},
		{"Order", string(inv.OrderID)},
		{"Customer", string(inv.Customer)},
		{"Country", string(inv.Country)},
		{"Payment", string(inv.Method)},
		{"Placed", inv.PlacedAt.UTC().Format("2006-01-02 15:04 MST")},
		{"Issued", inv.IssuedAt.UTC().Format("2006-01-02 15:04 MST")},
	} {
		pdf.CellFormat(30, 6, kv[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 6, ascii(kv[1]), "", 1, "L", false, 0, "")
	}
	pdf.Ln(4)

	lines := map[domain.SKU]order.PricedLine{}
	for _, l := range inv.Lines {
		lines[l.SKU] = l
	}
	widths := []float64{60, 20, 35, 30, 35}
	row := func(bold bool, cells ...string) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 9)
		for i, c := range cells {
			align := "R"
			if i == 0 {
				align = "L"
			}
			pdf.CellFormat(widths[i], 6, ascii(c), "B", 0, align, false, 0, "")
		}
		pdf.Ln(-1)
	}
	for _, sub := range inv.SubOrders {
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(0, 8, ascii("Sold by "+string(sub.VendorID)+" - sub-order "+string(sub.ID)), "", 1, "L", false, 0, "")
		row(true, "SKU", "Qty", "Unit price", "Discount", "Amount")
		for _, sku := range sub.Lines {
			l := lines[sku]
			row(false, string(l.SKU), fmt.Sprint(l.Quantity), Format(l.UnitPrice), Format(l.Discount), Format(l.Total))
		}
		row(false, "Subtotal", "", "", "", Format(sub.Subtotal))
		if !sub.Discount.IsZero() {
			row(false, "Discount", "", "", "", "-"+Format(sub.Discount))
		}
		row(false, "Shipping", "", "", "", Format(sub.Shipping))
		row(true, "Total", "", "", "", Format(sub.Total))
		row(false, fmt.Sprintf("VAT included (%s)", vatRate(inv.Country)), "", "", "", Format(sub.VAT))
		pdf.Ln(3)
	}

	pdf.SetFont("Helvetica", "B", 12)
	pdf.CellFormat(0, 8, "Order totals", "", 1, "L", false, 0, "")
	t := inv.Totals
	row(false, "Subtotal", "", "", "", Format(t.Subtotal))
	row(false, "Discount", "", "", "", "-"+Format(t.Discount))
	row(false, "Shipping", "", "", "", Format(t.Shipping))
	row(true, "Total (VAT inclusive)", "", "", "", Format(t.Total))
	row(false, "of which VAT", "", "", "", Format(t.VAT))
	if !t.Wallet.IsZero() {
		row(false, "Paid from wallet", "", "", "", Format(t.Wallet))
	}
	row(true, "Amount due", "", "", "", Format(t.Due))
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "", 8)
	pdf.MultiCell(0, 4, "Prices include VAT. Amounts are in the order's currency.", "", "L", false)

	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("invoice: render %s: %w", inv.Number, err)
	}
	return b.Bytes(), nil
}

func vatRate(c domain.Country) string {
	switch c {
	case "AE":
		return "5%"
	case "SA":
		return "15%"
	}
	return string(c)
}

// ascii keeps text within the core fonts' Latin-1: IDs are ASCII already;
// anything else becomes "?" rather than mojibake.
func ascii(s string) string {
	return strings.Map(func(r rune) rune {
		if r > 0x7e || r < 0x20 {
			return '?'
		}
		return r
	}, s)
}
