// Package history answers an auditor's questions about one aggregate: its
// state as of a global position or a time (its events folded up to that
// cut, through the aggregate's own Apply), and what changed between two
// cuts, field by field, with the events in between.
//
// It owns the table of aggregate kinds (stream prefix → constructor), kept
// beside the stream names' own constructors in commands so that a new
// aggregate is one more line here. A state is the aggregate's exported
// getters, read by reflection, so it shows what the domain itself exposes.
//
// It may import commands (stream names, registry), domain and the
// eventstore port; never a store implementation, projections or an API.
package history
