package eventstore

import "fmt"

// MatchRetry decides what an append whose event IDs are already (partly)
// stored is. existing holds the stored events that carry any of the IDs,
// in any order. When every event is stored, in this stream, in this order, at
// consecutive revisions, with the same type, the append is a retry and the
// first append's result is returned. Anything else is an *IDReuseError.
func MatchRetry(stream string, events []EventData, existing []RecordedEvent) (AppendResult, error) {
	byID := make(map[string]RecordedEvent, len(existing))
	for _, e := range existing {
		byID[e.ID] = e
	}
	var first RecordedEvent
	for i, e := range events {
		stored, ok := byID[e.ID]
		switch {
		case !ok:
			return AppendResult{}, &IDReuseError{EventID: events[0].ID, Reason: fmt.Sprintf("only part of the append is stored (event %s is not)", e.ID)}
		case stored.StreamID != stream:
			return AppendResult{}, &IDReuseError{EventID: e.ID, Reason: fmt.Sprintf("it belongs to stream %q", clip(stored.StreamID))}
		case stored.Type != e.Type:
			return AppendResult{}, &IDReuseError{EventID: e.ID, Reason: fmt.Sprintf("it is stored with type %q, not %q", stored.Type, clip(e.Type))}
		case i == 0:
			first = stored
		case stored.StreamRevision != first.StreamRevision+uint64(i):
			return AppendResult{}, &IDReuseError{EventID: e.ID, Reason: "the stored events are in another order"}
		}
	}
	last := byID[events[len(events)-1].ID]
	return AppendResult{NextRevision: last.StreamRevision, Position: last.Position}, nil
}
