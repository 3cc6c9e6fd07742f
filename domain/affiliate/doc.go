// Package affiliate owns an influencer's affiliate account: links and codes,
// clicks, orders attributed to a link, and commission on them, pending until
// the order's return window closes (reversible before), then payable, like
// a vendor's earnings.
//
// It may import the standard library and the domain kernel only.
package affiliate
