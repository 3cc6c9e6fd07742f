package commands

import (
	"strconv"

	"github.com/google/uuid"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/eventstore"
)

// Meta is who issued a command and why; it becomes every event's metadata.
type Meta struct {
	// CommandID identifies the command for ever; every event ID derives
	// from it, so issuing the same command ID twice writes once. Empty: a
	// random one (the command is then not idempotent across requests).
	CommandID     string
	CorrelationID string // the conversation; defaults to CommandID
	CausationID   string // the event or command that caused this one
	Actor         eventstore.Actor
	// IdempotencyKey is the client's Idempotency-Key header, recorded as is.
	IdempotencyKey string
	// RequestHash is a digest of the request body (the HTTP layer computes
	// it). It is folded into the event IDs, so the same key with another
	// body is told apart from a replay: see Executor and IdempotentID.
	RequestHash string
	// Precondition, when set, makes the command a compare-and-set on one
	// stream: it runs only if that stream is at the revision given when
	// loaded and when appended, with no conflict retries; otherwise it is
	// refused with CodePreconditionFailed (HTTP If-Match → 412). A command
	// whose events are already stored replays as usual.
	Precondition *Precondition
}

// Precondition asserts the revision of a stream's last event.
type Precondition struct {
	Stream   string
	Revision uint64
}

// Namespaces of the name-based (version 5) UUIDs derived here. Fixed values:
// changing one would change every derived ID and break idempotency.
var (
	eventNamespace   = uuid.MustParse("2c7a4b8e-5f1d-5e0a-9b3c-6d2e8f4a1c70")
	commandNamespace = uuid.MustParse("8d3f1e6a-2b9c-5d47-a1e0-4c6b7f92d385")
)

// IdempotentID derives a command ID from an actor and its Idempotency-Key,
// so the same key from the same user is the same command wherever and
// however often it arrives. Keys are scoped per user: two customers may pick
// the same key without meeting.
func IdempotentID(actor eventstore.Actor, key string) string {
	return uuid.NewSHA1(commandNamespace, []byte(actor.UserID+"\x00"+key)).String()
}

// DeriveID derives a command ID from a parent (a command or an event) and a
// purpose, for commands issued on behalf of another, such as a process
// manager's "reserve line 2 of order o-1" or a checkout's per-stream steps.
func DeriveID(parent, purpose string) string {
	return uuid.NewSHA1(commandNamespace, []byte("derived\x00"+parent+"\x00"+purpose)).String()
}

// eventID is the ID of the index-th event a command appends to a stream. It
// does not depend on the attempt, so a command retried after a lost answer
// sends the same IDs and the store recognises the retry.
func eventID(m Meta, stream string, index int) string {
	name := m.CommandID + "\x00" + m.RequestHash + "\x00" + stream + "\x00" + strconv.Itoa(index)
	return uuid.NewSHA1(eventNamespace, []byte(name)).String()
}

// maxMetaField keeps metadata well inside the store's 512-byte field limit.
const maxMetaField = 255

// normalize fills the defaults: a random command ID when none was given,
// and the command as its own correlation.
func (m Meta) normalize() (Meta, error) {
	if m.CommandID == "" {
		m.CommandID = uuid.NewString()
	}
	if m.CorrelationID == "" {
		m.CorrelationID = m.CommandID
	}
	var v domain.Validation
	for _, f := range [...]struct{ name, value string }{
		{"meta.command_id", m.CommandID}, {"meta.correlation_id", m.CorrelationID}, {"meta.causation_id", m.CausationID},
		{"meta.actor.user_id", m.Actor.UserID}, {"meta.actor.role", m.Actor.Role}, {"meta.idempotency_key", m.IdempotencyKey},
		{"meta.request_hash", m.RequestHash},
	} {
		v.Check(len(f.value) <= maxMetaField, f.name, domain.ProblemTooLong, "is longer than %d bytes", maxMetaField)
	}
	return m, v.Err()
}

// Metadata is what the store records with each event.
func (m Meta) Metadata() eventstore.Metadata {
	return eventstore.Metadata{
		CommandID:      m.CommandID,
		CorrelationID:  m.CorrelationID,
		CausationID:    m.CausationID,
		Actor:          m.Actor,
		IdempotencyKey: m.IdempotencyKey,
	}
}
