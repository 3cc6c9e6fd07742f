package review

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/review"
)

// Deps are what every handler here needs: the executor, and a clock
// injected so tests and replays decide at a time of their choosing.
type Deps struct {
	Exec *commands.Executor
	Now  func() time.Time
}

// For addresses a domain command to one review.
type For[C any] struct {
	ReviewID domain.ReviewID
	Cmd      C
}

// run is every handler's body: load the stream, let the aggregate decide at
// now, append what it raised.
func (d Deps) run(ctx context.Context, meta commands.Meta, id domain.ReviewID, decide func(*review.Review, time.Time) error) (commands.Result, error) {
	stream, err := commands.ReviewStream(id)
	if err != nil {
		return commands.Result{}, err
	}
	now := d.Now()
	return commands.Execute(ctx, d.Exec, meta, commands.Step[*review.Review]{
		Stream: stream,
		New:    func() *review.Review { return review.New(id) },
		Decide: func(a *review.Review) error { return decide(a, now) },
	})
}
