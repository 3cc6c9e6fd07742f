// Package psp holds what souq's hosted-page card gateways (internal/telr,
// internal/paytabs) share: the payment facts their notifications map to
// (Action), one HTTP exchange with a provider bounded in size, and the
// classification of its failures into souq's outcomes (a network failure,
// a 429 or a 5xx is retryable, kind Unavailable; a refusal is a Conflict; a
// decline is payment.declined).
//
// Amounts travel as the providers' decimal strings with the currency's
// decimals (AED and SAR 2, KWD, BHD and OMR 3): domain.Money.Decimal writes
// them and Amount reads them back, refusing more decimals than the currency
// has rather than rounding money.
//
// It may import domain and the standard library; nothing else of ours.
package psp
