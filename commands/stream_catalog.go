package commands

import "github.com/souq-market/souq/domain"

// Stream names of the catalog and marketplace aggregates, beside the ones in
// stream.go and with the same rule: every ID passes domain.ValidID.
const (
	prefixVendor    = "vendor-"
	prefixReturn    = "return-"
	prefixReview    = "review-"
	prefixAffiliate = "affiliate-"
)

// VendorStream names the stream of one vendor.
func VendorStream(id domain.VendorID) (string, error) {
	return stream(prefixVendor, "vendor_id", string(id))
}

// ReturnStream names the stream of one return.
func ReturnStream(id domain.ReturnID) (string, error) {
	return stream(prefixReturn, "return_id", string(id))
}

// ReviewStream names the stream of one review (one customer's review of one
// product: see review.IDFor).
func ReviewStream(id domain.ReviewID) (string, error) {
	return stream(prefixReview, "review_id", string(id))
}

// AffiliateStream names the stream of one affiliate (an influencer's
// account of links, clicks and commissions).
func AffiliateStream(id domain.AffiliateID) (string, error) {
	return stream(prefixAffiliate, "affiliate_id", string(id))
}
