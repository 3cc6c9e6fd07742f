package review_test

import (
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/domaintest"
	"github.com/souq-market/souq/domain/review"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

var id = review.IDFor("p-1", "c-1")

func write() review.Write {
	return review.Write{ProductID: "p-1", CustomerID: "c-1", OrderID: "o-1", Delivered: true, Rating: 5, Title: "Majestic", Body: "Lasts all day."}
}

func written() review.Written {
	return review.Written{ReviewID: id, ProductID: "p-1", CustomerID: "c-1", OrderID: "o-1", Rating: 5, Title: "Majestic", Body: "Lasts all day.", At: t0}
}

func given(events ...domain.Event) *review.Review {
	r := review.New(id)
	for _, e := range events {
		r.Apply(e)
	}
	return r
}

func TestWrite(t *testing.T) {
	r := given()
	if err := r.Write(write(), t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, r.Changes(), written())
	r = given(written())
	if err := r.Write(write(), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, r.Changes())
	again := write()
	again.Rating = 1
	domaintest.Refused(t, r.Write(again, t0), nil, domain.Conflict, review.CodeAlreadyWritten)

	undelivered := write()
	undelivered.Delivered = false
	domaintest.Refused(t, given().Write(undelivered, t0), nil, domain.Forbidden, review.CodeNotDelivered)
	other := write()
	other.CustomerID = "c-2"
	domaintest.Refused(t, given().Write(other, t0), nil, domain.Invalid, review.CodeWrongID)
	domaintest.Problems(t, given().Write(review.Write{Rating: 6}, t0), "product_id", "customer_id", "order_id", "rating")
}

func TestModerate(t *testing.T) {
	r := given(written())
	if err := r.Moderate(review.Moderate{ModeratorID: "admin-1", Approve: true}, t0); err != nil {
		t.Fatal(err)
	}
	if err := r.Moderate(review.Moderate{ModeratorID: "admin-1", Approve: true}, t0); err != nil {
		t.Fatal(err)
	}
	if err := r.Moderate(review.Moderate{ModeratorID: "admin-2", Reason: "mentions a competitor"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, r.Changes(), review.Approved{ModeratorID: "admin-1", At: t0}, review.Rejected{ModeratorID: "admin-2", Reason: "mentions a competitor", At: t0})
	domaintest.Problems(t, r.Moderate(review.Moderate{ModeratorID: "admin-2"}, t0), "reason")
	domaintest.Refused(t, given().Moderate(review.Moderate{ModeratorID: "a", Approve: true}, t0), nil, domain.NotFound, review.CodeNotWritten)
}

func TestGolden(t *testing.T) {
	samples := []domain.Event{written(), review.Approved{ModeratorID: "admin-1", At: t0}, review.Rejected{ModeratorID: "admin-2", Reason: "spam", At: t0}}
	domaintest.Covers(t, review.Events(), samples)
	domaintest.Golden(t, samples...)
}
