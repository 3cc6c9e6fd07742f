// Package blob owns the bytes that events only name: product images and
// their resized variants, vendor KYC documents, shipping labels and
// invoices. It defines the Store port (Put checked against an allow-list
// per Kind, Get, Stat, Delete, PresignGet), the key rules (no path can
// escape the store), the HMAC-signed links of stores that cannot sign
// their own, and Files, the embedded store in the data dir. The S3/MinIO
// store is in blob/s3; the acceptance suite every store runs is in
// blob/blobtest.
//
// It may import the standard library only.
package blob
