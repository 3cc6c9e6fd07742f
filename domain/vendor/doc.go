// Package vendor owns a seller on the marketplace: onboarding, KYC documents
// (blob keys), approval or rejection, suspension, commission rate, payout
// account, and earnings: each delivered sub-order earns price − commission,
// pending until the return window closes, then payable, then paid out.
//
// It may import the standard library and the domain kernel only.
package vendor
