// Package carrier reads the tracking webhooks of the carriers souq ships
// with (Fetchr, Aramex, SMSA, DHL): it checks a delivery's signature
// (HMAC-SHA256 over the timestamp and the raw body, compared in constant
// time, the timestamp within a tolerance window), then maps each carrier's
// own payload through that carrier's status table onto the normalized
// statuses of domain/shipment. A status no table knows is kept, as an
// exception carrying the carrier's own words, never dropped.
//
// ParseTracking reads the answers of the carriers' tracking APIs through the
// same tables (DHL's MyDHL answers in Express checkpoint codes, which have
// a table of their own), for the adapters that poll them.
//
// One file per carrier holds its payload shapes and its tables.
//
// It may import domain and the standard library; nothing else of ours.
package carrier
