// Package telr is souq's adapter to Telr: the card payment gateway of
// commands/payment.Gateway over Telr's hosted payment page, and the reader
// of Telr's transaction advice.
//
// Documents followed:
//   - Hosted Payment Page integration guide and its JSON reference:
//     POST https://secure.telr.com/gateway/order.json with method "create",
//     store, authkey, order{cartid, test, amount, currency, description} and
//     return{authorised, declined, cancelled}; the answer carries order.ref
//     and order.url, or error{message "E56:Duplicate transaction", note
//     "Cart ID must be unique"}. Method "check" with order.ref answers the
//     order with status{code, text} (1 pending, 2 authorised, 3 paid,
//     -1 expired, -2 cancelled, -3 declined) and its transaction.
//     https://telr.com/support/knowledge-base/hosted-payment-page-integration-guide/
//   - Remote API, "Request methods" and "Response": refunds and voids are
//     follow-up transactions posted as XML to /gateway/remote.xml
//     (<remote><store/><key/><tran><type>refund</type><class>ecom</class>
//     <currency/><amount/><ref>the sale's transaction ref</ref><test/>
//     </tran></remote>), answered with <auth><status>A</status><code/>
//     <message/><tranref/>…</auth>. https://docs.telr.com/reference/request-methods,
//     https://docs.telr.com/reference/authorisation-response-1
//   - Transaction advice service: a server-to-server POST of form fields
//     (tran_store, tran_type, tran_class, tran_test, tran_ref, tran_prevref,
//     tran_cartid, tran_currency, tran_amount, tran_status, tran_authcode,
//     tran_authmessage …) per transaction.
//     https://docs.telr.com/reference/transaction-advice-service
//   - Authorisation response codes: status letters A, H, D, E, C, X.
//     https://docs.telr.com/reference/authorisation-response-codes
//
// Advice is not trusted. Telr's advice is not signed with a key souq
// holds (a tran_check hash exists, computed with a secret set in Telr's
// Merchant Administration over fields the documents do not pin down), so
// souq authenticates an advice by asking Telr: it reads the payment from
// the advice's cart ID, checks the order by the reference souq recorded
// (method check, over TLS with souq's own auth key) and records only what
// that answer says (Actions). An advice that contradicts the answer —
// another store or cart, another transaction, amount or currency, an
// outcome Telr does not report — is refused (Confirm). Refund and void
// advices are confirmed against the order's sale but record nothing: the
// check answer does not list follow-ups, and souq records its own refunds
// when it makes them.
//
// Idempotency. Telr takes no idempotency key but refuses a repeated cart
// ID. A payment's cart ID is its payment ID (then "<payment ID>~2" … up to
// MaxAttempts), so a callback always names its payment and a start retried
// after a lost answer is recognised by Telr's E56. order.json offers no
// lookup of an order by cart ID (check takes the order ref), so the order
// behind the refused cart cannot be fetched; its answer never reached
// souq, so nobody holds its payment URL and it cannot be paid (Telr expires
// it). The gateway therefore creates the order again under the payment's
// next cart ID. Refunds and voids carry the cart ID "<key>~refund" /
// "<key>~void"; one whose answer was lost is retryable, and its retry,
// refused as a repeated cart ID, is reported as a refusal to settle in
// Telr's Merchant Administration — never sent as a second refund.
//
// Unclear in Telr's documents, and what souq assumed (stub and adapter
// agree; check against a live store):
//   - whether order.test is sent as "1" or 1 (souq sends the string, as the
//     JSON examples do) and whether check carries order.url for a pending
//     order (Session assumes it does);
//   - whether the repeated-cart refusal also covers remote.xml follow-ups
//     and with which code (assumed code 56, as for orders);
//   - whether the remote API key differs from the hosted page's auth key
//     (configurable; defaults to the same);
//   - whether one order allows a second card attempt after a decline: if it
//     does, the advice of the earlier attempt names a transaction the
//     order no longer reports and is refused (401) while the later
//     attempt's advice records the outcome;
//   - a payment ID longer than 60 bytes does not fit a cart ID: such a
//     start is refused (checkout's IDs, the order ID plus ":pay", fit
//     whenever the order ID has at most 56 bytes);
//   - a pending order cannot be closed through the API: cancelling one
//     records souq's cancellation, and should the customer still pay it,
//     its advice is refused by the payment (409) and the sale needs a
//     refund in Telr's Merchant Administration.
//
// It may import domain, commands/payment (the port), internal/psp and the
// standard library.
package telr
