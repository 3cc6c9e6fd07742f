package commands

import "context"

// Load replays a stream into a fresh aggregate and decides nothing: the
// state a handler consults on another aggregate before it decides on its
// own (the order a return is for, the vendor listing a product). A stream
// with no events loads as the new aggregate, Version() 0.
func Load[A Aggregate](ctx context.Context, x *Executor, stream string, newA func() A) (A, error) {
	return Decide(ctx, x, Step[A]{Stream: stream, New: newA, Decide: func(A) error { return nil }})
}
