package postgres

import "github.com/souq-market/souq/eventstore"

// WithBeforeCommit sets a hook the writer calls after a batch's rows are
// written at positions first..last and before COMMIT.
func WithBeforeCommit(o Options, hook func(first, last eventstore.Position)) Options {
	o.beforeCommit = hook
	return o
}

// WithoutCure disables the cure: positions come from a plain sequence and the
// counter row is neither locked nor moved. Only for the test that proves the
// cure matters.
func WithoutCure(o Options) Options {
	o.noCure = true
	return o
}

// WithQueued sets a hook each Append calls as it starts waiting for the
// writer, so a test can know every append is queued without sleeping.
func WithQueued(o Options, hook func()) Options {
	o.queued = hook
	return o
}

// WithoutIntegrity turns hashing and checkpoints off, so benchmarks can
// measure what they cost; nothing else may.
func WithoutIntegrity(o Options) Options {
	o.noIntegrity = true
	return o
}
