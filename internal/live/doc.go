// Package live is the fan-out of live updates: the Fanout port, its
// in-process implementation (Memory) for the embedded default, and the Hub
// both it and live/redis use to hand messages to this process's
// subscribers. livetest is the acceptance suite every implementation runs.
//
// A message's ID is the global position of the event it tells of, so IDs
// grow on every channel and a subscriber can resume after the last one it
// saw (SSE's Last-Event-ID): each channel keeps its last Options.History
// messages for Options.Keep after its last message, and a subscription
// starting after an ID gets those kept messages in its Backlog, with
// Complete saying whether anything after that ID was dropped from the
// history (then the client must reload rather than patch).
//
// Delivery is at most once per subscription and at least once overall: a
// subscriber too slow to take its messages is ended (ErrSlow) rather than
// allowed to hold up others, and resumes from the history; a projector
// publishing again after a crash repeats messages, which subscribers skip
// by ID.
//
// It may import the standard library only.
package live
