// Package sandbox is the embedded default's card payment provider: a
// commands/payment.Gateway that settles on its own, so a checkout reaches
// "confirmed" with no outside service.
//
// Start answers at once with a reference ("sbx_" + the payment ID) and,
// after a configurable delay, does what a provider's webhooks would: it
// issues the payment commands Authorize then Capture of the full amount,
// with provider event IDs derived from the reference ("<ref>:authorized",
// "<ref>:captured"), so a repeated settlement records nothing twice. It
// declines instead (payment Fail, code "card_declined") for:
//
//   - an amount of exactly DeclineAmount minor units (6.66 AED or SAR), or
//   - a customer whose ID starts with DeclinePrefix ("sandbox-decline").
//
// Refund and Cancel succeed at once (souq records them itself); a payment
// cancelled before it settles is not settled. Settlements are scheduled in
// memory: a process stopped during the delay leaves the payment unsettled,
// and the checkout's reservation expiry then cancels the order.
//
// It may import commands and commands/payment, domain and the eventstore
// port; nothing else of souq.
package sandbox
