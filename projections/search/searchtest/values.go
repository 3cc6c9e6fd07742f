package searchtest

import (
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections/search"
)

type (
	jsonRaw  = json.RawMessage
	eventRec = eventstore.RecordedEvent
)

// values turns a query back into the parameters Parse reads.
func values(q search.Query) url.Values {
	v := url.Values{}
	if q.Text != "" {
		v.Set("q", q.Text)
	}
	for f, vals := range q.Terms {
		v[f] = vals
	}
	v.Set("currency", string(q.Currency))
	minor := search.Minor(q.Currency)
	if q.PriceMin != nil {
		v.Set("price_min", strconv.FormatFloat(float64(*q.PriceMin)/minor, 'f', -1, 64))
	}
	if q.PriceMax != nil {
		v.Set("price_max", strconv.FormatFloat(float64(*q.PriceMax)/minor, 'f', -1, 64))
	}
	if q.RatingMin != nil {
		v.Set("rating_min", strconv.FormatFloat(*q.RatingMin, 'f', -1, 64))
	}
	if q.InStock != nil {
		v.Set("in_stock", strconv.FormatBool(*q.InStock))
	}
	v.Set("sort", string(q.Sort))
	v.Set("limit", strconv.Itoa(q.Limit))
	return v
}
