// Package payment owns one payment attempt: by card through a provider, from
// the wallet, or cash on delivery. Its state moves initiated → requires
// action → authorized → captured (partially too) → refunded (partially too),
// or ends failed, cancelled or charged back. Refunds never exceed captures;
// a provider event applied twice changes nothing; a provider reference reused
// with a different amount is refused.
//
// It may import the standard library and the domain kernel only.
package payment
