package eventstore

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits bound what one append may carry. Backends check them before
// touching storage, so a refused append writes nothing.
type Limits struct {
	MaxStreamIDBytes   int
	MaxEventsPerAppend int
	MaxEventBytes      int // data plus metadata of one event
	MaxAppendBytes     int // all events of one append
}

// DefaultLimits fit every backend, including KurrentDB started with
// KURRENTDB_MAX_APPEND_SIZE raised to 32 MiB, as docker-compose.yml does.
var DefaultLimits = Limits{
	MaxStreamIDBytes:   200,
	MaxEventsPerAppend: 1000,
	MaxEventBytes:      4 << 20,
	MaxAppendBytes:     16 << 20,
}

var (
	eventTypePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$`)
	uuidPattern      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

const maxEventTypeBytes = 128

// ValidateAppend checks an append against the limits and lists every problem
// it finds in one *InvalidError, or returns nil.
func (l Limits) ValidateAppend(stream string, events []EventData) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if p := l.streamProblem(stream); p != "" {
		add("stream id %s", p)
	}
	switch {
	case len(events) == 0:
		add("no events to append")
	case len(events) > l.MaxEventsPerAppend:
		add("%d events in one append, the most is %d", len(events), l.MaxEventsPerAppend)
	}
	seen := make(map[string]int, len(events))
	total := 0
	for i, e := range events {
		where := fmt.Sprintf("event %d", i)
		if !uuidPattern.MatchString(e.ID) || e.ID == "00000000-0000-0000-0000-000000000000" {
			add("%s: id %q is not a lower-case canonical non-nil UUID", where, clip(e.ID))
		} else if j, dup := seen[e.ID]; dup {
			add("%s: id %s repeats event %d", where, e.ID, j)
		} else {
			seen[e.ID] = i
		}
		if len(e.Type) > maxEventTypeBytes || !eventTypePattern.MatchString(e.Type) {
			add("%s: type %q is not a wire name like \"order.placed\"", where, clip(e.Type))
		}
		if e.SchemaVersion < 1 {
			add("%s: schema version %d, it starts at 1", where, e.SchemaVersion)
		}
		switch {
		case len(e.Data) == 0:
			add("%s: empty data", where)
		case !utf8.Valid(e.Data):
			add("%s: data is not valid UTF-8", where)
		case !json.Valid(e.Data):
			add("%s: data is not valid JSON", where)
		case strings.Contains(string(e.Data), `\u0000`):
			// PostgreSQL cannot index it and most consumers choke on it.
			add("%s: data contains a NUL character", where)
		}
		if p := metadataProblem(e.Metadata); p != "" {
			add("%s: metadata %s", where, p)
		}
		size := len(e.Data) + metadataSize(e.Metadata)
		if size > l.MaxEventBytes {
			add("%s: %d bytes, the most is %d", where, size, l.MaxEventBytes)
		}
		total += size
	}
	if total > l.MaxAppendBytes {
		add("append of %d bytes, the most is %d", total, l.MaxAppendBytes)
	}
	if len(problems) == 0 {
		return nil
	}
	return &InvalidError{Stream: clip(stream), Problems: problems}
}

// ValidateStreamID checks a stream name alone, for reads.
func (l Limits) ValidateStreamID(stream string) error {
	if p := l.streamProblem(stream); p != "" {
		return &InvalidError{Stream: clip(stream), Problems: []string{"stream id " + p}}
	}
	return nil
}

func (l Limits) streamProblem(stream string) string {
	switch {
	case stream == "":
		return "is empty"
	case len(stream) > l.MaxStreamIDBytes:
		return fmt.Sprintf("is %d bytes, the most is %d", len(stream), l.MaxStreamIDBytes)
	case !utf8.ValidString(stream):
		return "is not valid UTF-8"
	case strings.HasPrefix(stream, "$"):
		return "starts with $, which is reserved for the store"
	case strings.TrimSpace(stream) != stream:
		return "has leading or trailing white space"
	case strings.IndexFunc(stream, unicode.IsControl) >= 0:
		return "contains a control character"
	}
	return ""
}

const maxMetadataField = 512

func metadataProblem(m Metadata) string {
	fields := map[string]string{
		"command_id": m.CommandID, "correlation_id": m.CorrelationID, "causation_id": m.CausationID,
		"actor.user_id": m.Actor.UserID, "actor.role": m.Actor.Role, "idempotency_key": m.IdempotencyKey,
	}
	var bad []string
	for name, v := range fields {
		if len(v) > maxMetadataField || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			bad = append(bad, name)
		}
	}
	if y := m.RecordedAt.Year(); !m.RecordedAt.IsZero() && (y < 1 || y > 9999) {
		bad = append(bad, "recorded_at") // JSON and SQL timestamps end at year 9999
	}
	if len(bad) == 0 {
		return ""
	}
	slices.Sort(bad)
	return fmt.Sprintf("fields %s must be valid UTF-8 without NUL, at most %d bytes (recorded_at: a year from 1 to 9999)", strings.Join(bad, ", "), maxMetadataField)
}

func metadataSize(m Metadata) int {
	return len(m.CommandID) + len(m.CorrelationID) + len(m.CausationID) +
		len(m.Actor.UserID) + len(m.Actor.Role) + len(m.IdempotencyKey) + 64
}

// clip keeps error messages short and printable whatever the input was.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= 64 {
		return s
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut-- // never split a character
	}
	return s[:cut] + "…"
}
