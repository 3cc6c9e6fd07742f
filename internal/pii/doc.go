// Package pii keeps customers' personal data out of the event log's
// plaintext, so that it can be erased without rewriting the log
// (crypto-shredding). A Store wraps the event store: on append it seals
// each personal field a Catalog names with the customer's data key
// (AES-256-GCM, random nonce, the subject, event ID, event type and field
// path as associated data), and on every read it opens them again. Forget
// destroys the key: every sealed field of that customer, in every event
// ever stored, reads as Erased from then on, while the stored bytes never
// change (the log's hash chains still verify).
//
// A sealed field is stored as {"sealed":"v1","subject":…,"nonce":…,"ct":…}
// in place of the string. Readers accept both shapes: a plain string is
// a field written before sealing began, read as it is — and beyond the
// reach of Forget (see below).
//
// Where personal data lives in souq, and what covers it:
//
//   - user.registered: email, profile.name, profile.phone — sealed.
//   - user.profile_updated: profile.name, profile.phone — sealed.
//   - user.address_added: address recipient, phone, line1, line2,
//     postal_code — sealed; label, city, region and country stay clear (not
//     identifying alone; kept for reports).
//   - user.email_claimed: email — sealed. The claim's stream is named by
//     Store.Pseudonym, a keyed hash (HMAC-SHA256, its key in the keyring)
//     of the normalized email: stream names are plaintext for ever, and
//     the unkeyed SHA-256 used before let whoever holds the log confirm a
//     guessed email. Claims stored before keep their SHA-256 streams.
//     Forget releases the claim so the address is free again; the stream
//     name stays, testable only with the pseudonym key.
//   - order.placed (version 2 on): the ship-to, a copy of the address-book
//     entry taken at checkout — recipient, phone, line1, line2,
//     postal_code sealed under the customer's key (subject: customer_id);
//     city, region and country clear, as in user.address_added. Read
//     models do not project it. Orders placed before version 2 have none.
//   - Shipments, payments and wallets, and the rest of an order, carry no
//     name, phone, email or address: the customer appears only as their
//     ID. A parcel's ends (POST /v1/shipments) go to the carrier only.
//   - Free text a customer wrote (review title and body, return comment)
//     is not sealed: a review is public content, anonymised by the ID
//     alone once its author is forgotten.
//   - Metadata: actor IDs only. Stream IDs: user-<id>, never an email.
//   - Read models: none stores a name, email, phone or address (orders,
//     audit, notifications' sent log, KPIs hold IDs and amounts); the
//     search index holds products and vendors only. The integration feed
//     and the outbox read user.registered through this Store, so they
//     show Erased after Forget — but what was already published to Kafka
//     stays in the topic until its retention ends: Forget's user.forgotten
//     publishes user.erased (the user ID alone), for the consumers to
//     erase their copies.
//   - Logs: the log notifier (embedded default, no channel configured)
//     names the recipient by user ID and a masked address (l***@example.com)
//     and leaves out the body, which greets them by name.
//
// Keys are looked up once per call (one append, one page, one
// subscription batch) and kept no longer, so no cache can serve a key after
// a Forget made by any process. Keyrings live in internal/pii/keyring;
// SOUQ_PII_MASTER_KEY wraps the keys they store.
//
// It may import the domain kernel, the eventstore port and the standard
// library.
package pii
