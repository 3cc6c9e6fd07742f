// Package invoice makes the invoice of an order, a PDF: its lines, each
// vendor's sub-order with the VAT it includes, and the order's totals, in
// minor units formatted per currency. The Projector issues it when the
// order is confirmed and stores it as a blob (invoices/<order>/invoice.pdf),
// from which the read API serves it to the order's customer and to staff.
//
// Labels are in English only: go-pdf/fpdf neither shapes Arabic letters
// into their joined forms nor lays text right to left, so Arabic would
// print as isolated letters in reverse order.
//
// It may import the domain, the eventstore port, the blob port and fpdf.
package invoice
