// Package returns owns a return of goods from one sub-order (the package is
// not called "return", a Go keyword): requested within the return window,
// approved or rejected, received back, and refunded to card or to wallet,
// never for more than the items' value.
//
// It may import the standard library and the domain kernel only.
package returns
