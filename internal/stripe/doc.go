// Package stripe is souq's adapter to Stripe (stripe-go, v82): the card
// payment gateway of commands/payment.Gateway over PaymentIntents and
// Refunds, and the reader of Stripe's signed webhooks (signatures checked
// by stripe-go's webhook package, never by hand).
//
// Amounts go to Stripe in minor units: 2 decimals for AED and SAR, 3 for
// KWD, BHD and OMR, whose last digit Stripe requires to be 0 (it settles
// those currencies to the fils in tens). souq refuses such an amount rather
// than rounding money silently.
//
// Outcomes: a card decline is a domain outcome (a *domain.Error coded
// payment.declined, with Stripe's codes in a *Declined); a network failure,
// a 429 or a 5xx is retryable (kind Unavailable, see Retryable); an answer
// lost after Stripe may have acted is reconciled by fetching the
// PaymentIntent, which is Stripe's record of what happened.
//
// It may import domain, commands/payment (the port) and stripe-go.
package stripe
