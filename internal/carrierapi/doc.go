// Package carrierapi books parcels with the real carriers souq ships with —
// Aramex, DHL Express, SMSA Express and Fetchr — behind the one port of
// commands/shipment (Carrier.Book), and polls their tracking APIs into
// normalized scans through internal/carrier's status tables (Track).
// Router picks the adapter by the carrier the vendor chose, handing any
// other to a fallback (the sandbox, in the embedded default).
//
// Poller, a process manager, follows the parcels booked with those
// carriers and records the scans their tracking APIs answer, for carriers
// that push no webhooks (its watch list is in memory; see its comment).
//
// Every adapter:
//
//   - passes the shipment ID as the carrier's own reference, so the
//     carrier's records name souq's shipment;
//   - stores the label PDF under labels/<vendor>/ through blob.PutContent,
//     content-addressed like the sandbox's, so a label fetched again lands
//     on the same key;
//   - reports a network failure, a timeout (a lost answer), 429 or 5xx as
//     domain.Unavailable (carrier.unavailable: retry), a refusal as
//     domain.Invalid (carrier.refused) in the carrier's own words, refused
//     credentials as carrier.credentials, and an answer it cannot read (not
//     the documented JSON, no number, no label, a label that is not a PDF)
//     as carrier.bad_answer, saying the carrier may have booked;
//   - refuses, before any call, a booking whose Parcel lacks both ends'
//     name, phone, address line, city and country, or the weight.
//
// Idempotency per shipment. Only DHL lets a lost answer be looked up: Book
// first asks MyDHL's GET /tracking for the shipment ID as customer
// reference (type CU) over the last 30 days, and, found, fetches that
// parcel's label again (GET /shipments/{number}/get-image) instead of
// booking twice. Aramex (TrackShipments takes waybill numbers only), SMSA
// (tracking by AWB only) and Fetchr (by tracking number only) offer no look-
// up by reference: a retry after a lost answer books again, under the same
// reference, by which the carrier's support voids the orphan. The tests pin
// that behaviour.
//
// Sources, and where a shape is uncertain:
//
//   - Aramex: the Shipping Services API's JSON binding,
//     https://ws.aramex.net/ShippingAPI.V2/Shipping/Service_1_0.svc/json/
//     CreateShipments and …/Tracking/Service_1_0.svc/json/TrackShipments;
//     ClientInfo (UserName, Password, Version, AccountNumber, AccountPin,
//     AccountEntity, AccountCountryCode, Source), LabelInfo (report 9729 as
//     a URL), the answer's HasErrors, Notifications, Shipments[].ID and
//     ShipmentLabel.LabelURL / LabelFileContents — from Aramex's JSON
//     samples as reproduced in github.com/MakiOmar/Aramex-Woocommerce-api-
//     integration (ARAMEX_Test_README.md) and github.com/vibinvalsalan/
//     AramexShipping (PrintLabel.php). Uncertain: dates are sent in WCF's
//     "\/Date(ms)\/" form, which that binding needs to read a date;
//     LabelFileContents, a byte array, is read both as WCF's list of numbers
//     and as base64; the product (DOM/ONP domestic, EXP/PPX international)
//     depends on the account's contract.
//   - DHL: the MyDHL API (https://developer.dhl.com/api-reference/dhl-
//     express-mydhl-api), basic auth: POST /shipments answering
//     shipmentTrackingNumber and documents[].content (base64 PDF), GET
//     /tracking by shipmentReference, GET /shipments/{number}/tracking —
//     its OpenAPI as generated into github.com/spysystem/mydhl
//     (docs/Api/TrackingApi.md, docs/Model/SupermodelIoLogisticsExpress
//     CreateShipmentRequest.md and …Response.md) and github.com/defuzzy-
//     labs/dhl_express_client (docs/ShipmentApi.md, get-image). Uncertain:
//     the get-image parameters that return the label (typeCode=label,
//     pickupYearAndMonth); packages are sent without dimensions, which some
//     products require; an international parcel is sent customs-declarable
//     without an export declaration, which DHL may refuse (its words then
//     reach the vendor); MyDHL's event times carry no zone and are read as
//     UTC; DHL Express collects no cash on delivery, so a COD parcel is
//     refused before any call.
//   - SMSA: the e-commerce API (https://ecomapis.smsaexpress.com, an apikey
//     header): POST /api/shipment/b2c/new answering sawb and waybills[].awb
//     and .awbFile (base64 PDF), GET /api/track/single/{AWB} answering the
//     AWB and its Scans — from integrations of it found by search (and the
//     API-key account setup in Carriyo's guide, https://carriyo.com/docs/
//     guides/carriers/smsa-express/); SMSA's own reference was not
//     reachable, so field names beyond those are uncertain, and refusals are
//     read as ASP.NET validation problems (title, errors by field) or a bare
//     string.
//   - Fetchr: its order API (https://api.order.fetchr.us, bearer token),
//     whose documentation (https://xapidoc.docs.apiary.io/) went with the
//     company in 2021: POST /order/ with client_address_id and data[] of
//     dropship orders, GET /order/history/{tracking}/ — as recorded by
//     github.com/WetSealQQ/fetchr-SDK (src/fetchr_sdk.php, README.md,
//     test/index.html). The creation's answer (status, data[].tracking_no,
//     awb_link, message) is inferred, not recorded; treat the adapter as
//     serving whatever speaks that shape at the configured URL.
//
// It may import commands, commands/shipment, domain, the eventstore port,
// internal/blob and internal/carrier; cmd/souq wires it.
package carrierapi
