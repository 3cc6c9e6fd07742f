// Package paytabs is souq's adapter to PayTabs (the PT2 API): the card
// payment gateway of commands/payment.Gateway over PayTabs' hosted payment
// page, and the reader of its signed callbacks.
//
// Documents followed:
//   - PT2 hosted payment page, "Initiating the payment": POST
//     {region}/payment/request, JSON, the profile's server key in the
//     authorization header, profile_id, tran_type ("sale"; "auth" exists and
//     is not used), tran_class "ecom", cart_id, cart_currency, cart_amount,
//     cart_description, callback, return; the answer carries tran_ref and
//     redirect_url. https://docs.paytabs.com/PT2-API-Endpoints/Integration-Types-Manuals/
//   - "Manage transactions": refunds and voids are follow-up requests to the
//     same endpoint with tran_type "refund"/"void" and the sale's tran_ref;
//     POST {region}/payment/query by tran_ref (or cart_id) reads a
//     transaction back.
//   - "Handle post-payment responses" and "How to configure IPN": callbacks
//     and IPNs post the transaction as JSON with payment_result
//     (response_status A authorised, H held, P pending, V voided, E error,
//     D declined, X expired, C cancelled) and a Signature header, the hex
//     HMAC-SHA256 of the raw body keyed by the server key
//     (support.paytabs.com articles 60000710069 and 60000687835; ClickPay,
//     PayTabs' white label, documents the same check with a PHP sample).
//
// Callbacks are verified on the raw body in constant time (Verify) before
// they are parsed (Parse); an authorised sale is an authorization and a
// capture of cart_amount, a declined (or errored, expired, cancelled) one a
// failure, an authorised refund a refund, a void a cancellation. Held (H)
// and pending (P) results record nothing: their outcome follows.
//
// Idempotency. PayTabs takes no idempotency key. Follow-ups carry a cart_id
// made of souq's key ("<refund ID>~refund", "<payment key>~void"); before
// sending one, and again when its answer is lost, the gateway queries
// PayTabs by that cart_id and, if the follow-up exists, answers with its
// outcome instead of sending it twice. A start whose answer is lost is
// reported as retryable and its retry creates another page: the first
// page's URL never reached the customer, so it cannot be paid and PayTabs
// expires it.
//
// Unclear in PayTabs' documents, and what souq assumed (stub and adapter
// agree; check against a live profile):
//   - whether /payment/query by cart_id answers the latest transaction of
//     that cart (assumed) or a list;
//   - how a query for an unknown transaction answers (assumed a 4xx whose
//     message says "not found");
//   - whether a query of a page still waiting for the customer carries
//     redirect_url (Session assumes it does, and fails plainly otherwise);
//   - whether cart_id is limited to 64 characters (assumed, and checked).
//
// It may import domain, commands/payment (the port), internal/psp and the
// standard library.
package paytabs
