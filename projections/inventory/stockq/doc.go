// Package stockq reads the inventory view: per SKU and location the units
// on hand, reserved and available, and the vendor that owns the SKU. It
// names the view's tables.
//
// It imports only the standard library; dialect differences arrive as the
// dialect's Rebind function.
package stockq
