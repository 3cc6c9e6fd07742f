package review_test

import (
	"context"
	"testing"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	revcmd "github.com/souq-market/souq/commands/review"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/review"
)

func TestReviewOncePerDeliveredProduct(t *testing.T) {
	ctx := context.Background()
	x, st := commandstest.Exec(t)
	aed := func(n int64) domain.Money { return commandstest.Money(t, n, domain.AED) }
	// v-a's part was delivered, v-b's is still on its way.
	commandstest.Place(t, x, commandstest.Order{ID: "o-1", Customer: "c-1", Deliver: []domain.VendorID{"v-a"}, Lines: []order.Line{
		{SKU: "oud-50", ProductID: "p-oud", VendorID: "v-a", Quantity: 1, UnitPrice: aed(45000)},
		{SKU: "attar-12", ProductID: "p-attar", VendorID: "v-b", Quantity: 1, UnitPrice: aed(15000)},
	}}, commandstest.T0)
	d := revcmd.Deps{Exec: x, Now: commandstest.Clock(commandstest.T0)}
	rate := func(p domain.ProductID, c domain.CustomerID, o domain.OrderID, stars int) revcmd.Rating {
		return revcmd.Rating{ProductID: p, CustomerID: c, OrderID: o, Rating: stars, Title: "Majestic", Body: "Lasts all day."}
	}
	meta := commands.Meta{CommandID: "review-1"}
	commandstest.Must(revcmd.Write{Deps: d}.Handle(ctx, rate("p-oud", "c-1", "o-1", 5), meta))(t)
	if r := commandstest.Must(revcmd.Write{Deps: d}.Handle(ctx, rate("p-oud", "c-1", "o-1", 5), meta))(t); !r.Replayed {
		t.Fatalf("%+v", r)
	}
	stream := commandstest.Must(commands.ReviewStream(review.IDFor("p-oud", "c-1")))(t)
	commandstest.Types(t, st, stream, review.TypeWritten)

	for _, tc := range []struct {
		name string
		cmd  revcmd.Rating
		kind domain.Kind
		code string
	}{
		{"a second review of the product", rate("p-oud", "c-1", "o-1", 1), domain.Conflict, review.CodeAlreadyWritten},
		{"not delivered yet", rate("p-attar", "c-1", "o-1", 4), domain.Forbidden, review.CodeNotDelivered},
		{"another customer's order", rate("p-oud", "c-2", "o-1", 1), domain.Forbidden, revcmd.CodeNotYourOrder},
		{"a product not in the order", rate("p-musk", "c-1", "o-1", 3), domain.Invalid, revcmd.CodeNotInOrder},
		{"no such order", rate("p-oud", "c-1", "o-404", 3), domain.NotFound, revcmd.CodeOrderNotFound},
		{"six stars", rate("p-oud", "c-1", "o-1", 6), domain.Invalid, domain.CodeInvalidCommand},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := commandstest.Read(t, st, stream)
			_, err := revcmd.Write{Deps: d}.Handle(ctx, tc.cmd, commands.Meta{})
			commandstest.Refused(t, err, tc.kind, tc.code)
			if len(commandstest.Read(t, st, stream)) != len(before) {
				t.Fatal("a refusal wrote")
			}
		})
	}
	id := review.IDFor("p-oud", "c-1")
	must := func(r commands.Result, err error) commands.Result { t.Helper(); return commandstest.Must(r, err)(t) }
	_, err := revcmd.Moderate{Deps: d}.Handle(ctx, revcmd.For[review.Moderate]{ReviewID: id, Cmd: review.Moderate{ModeratorID: "a-1"}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Invalid, domain.CodeInvalidCommand) // a rejection needs a reason
	must(revcmd.Moderate{Deps: d}.Handle(ctx, revcmd.For[review.Moderate]{ReviewID: id, Cmd: review.Moderate{ModeratorID: "a-1", Approve: true}}, commands.Meta{}))
	must(revcmd.Moderate{Deps: d}.Handle(ctx, revcmd.For[review.Moderate]{ReviewID: id, Cmd: review.Moderate{ModeratorID: "a-1", Approve: true}}, commands.Meta{}))
	must(revcmd.Moderate{Deps: d}.Handle(ctx, revcmd.For[review.Moderate]{ReviewID: id, Cmd: review.Moderate{ModeratorID: "a-2", Reason: "names a competitor"}}, commands.Meta{}))
	_, err = revcmd.Moderate{Deps: d}.Handle(ctx, revcmd.For[review.Moderate]{ReviewID: review.IDFor("p-attar", "c-1"), Cmd: review.Moderate{ModeratorID: "a-1", Approve: true}}, commands.Meta{})
	commandstest.Refused(t, err, domain.NotFound, review.CodeNotWritten)
	commandstest.Types(t, st, stream, review.TypeWritten, review.TypeApproved, review.TypeRejected)
}
