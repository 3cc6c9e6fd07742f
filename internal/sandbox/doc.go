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
// The sandbox carrier (carrier.go) is the embedded default's carrier: a
// commands/shipment.Carrier whose Book stores a generated one-page label PDF
// under labels/<vendor>/ and answers a tracking number derived from the
// shipment ID ("SBX…"), and a process manager that, on each shipment.created
// it booked, reports pre-transit, in transit, out for delivery and delivered
// one Step apart by issuing shipment Track commands, as a carrier's webhook
// would, with carrier event IDs "<tracking>:<status>" and scan times the
// creation's plus i·Step, so a redelivery records nothing twice. Its
// schedule is in memory, like the gateway's settlements.
//
// It may import commands, commands/payment and commands/shipment, domain,
// the eventstore port and internal/blob; nothing else of souq.
package sandbox
