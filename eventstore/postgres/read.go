package postgres

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/souq-market/souq/eventstore"
)

// Reading $all is bound by what the client does per event, so scanEvents
// works on the rows' raw bytes rather than through Scan, and decodes the
// metadata with a parser for the one shape the writer produces (see
// decodeMetadata), which the CPU profile showed to be the cost of a read
// (encoding/json's validation and reflection took about half of ReadAll).
// Allocations per event: one string holding the stream, ID, type and the
// metadata's text (every string of the envelope is a piece of it), and the
// data, which shares a chunk with the data of the events around it.

// columns of the read statements, in order (statements.readAll and others).
const (
	colPosition = iota
	colStream
	colRevision
	colID
	colType
	colVersion
	colData
	colMetadata
	numCols
)

// dataChunk is the size of the chunks the events' data share.
const dataChunk = 64 << 10

// scanEvents reads rows of the columns above.
func scanEvents(rows pgx.Rows, capacity int) ([]eventstore.RecordedEvent, error) {
	defer rows.Close()
	fields := rows.FieldDescriptions()
	if len(fields) != numCols {
		return nil, fmt.Errorf("read: %d columns, want %d", len(fields), numCols)
	}
	binaryInt := func(col int) bool { return fields[col].Format == pgx.BinaryFormatCode }
	posBin, revBin, verBin := binaryInt(colPosition), binaryInt(colRevision), binaryInt(colVersion)

	out := make([]eventstore.RecordedEvent, 0, min(capacity, 4096))
	var chunk []byte
	var text []byte // reused: the row's strings before they become one string
	for rows.Next() {
		v := rows.RawValues()
		pos, err := integer(v[colPosition], posBin)
		if err != nil {
			return nil, fmt.Errorf("position: %w", err)
		}
		rev, err := integer(v[colRevision], revBin)
		if err != nil {
			return nil, fmt.Errorf("event at position %d: stream revision: %w", pos, err)
		}
		version, err := integer(v[colVersion], verBin)
		if err != nil {
			return nil, fmt.Errorf("event at position %d: schema version: %w", pos, err)
		}

		// One string for the row: stream, ID, type, then the metadata.
		stream, id, typ, md := v[colStream], v[colID], v[colType], v[colMetadata]
		text = append(append(append(append(text[:0], stream...), id...), typ...), md...)
		all := string(text)
		a, b, c := len(stream), len(stream)+len(id), len(stream)+len(id)+len(typ)
		e := eventstore.RecordedEvent{
			StreamID:       all[:a],
			ID:             all[a:b],
			Type:           all[b:c],
			Position:       eventstore.Position(pos),
			StreamRevision: uint64(rev),
			SchemaVersion:  int(version),
		}
		if err := decodeMetadata(all[c:], &e.Metadata); err != nil {
			return nil, fmt.Errorf("event at position %d: metadata: %w", pos, err)
		}

		data := v[colData]
		if len(data) > dataChunk/4 {
			e.Data = append(json.RawMessage(nil), data...)
		} else {
			if cap(chunk)-len(chunk) < len(data) {
				chunk = make([]byte, 0, dataChunk)
			}
			n := len(chunk)
			chunk = append(chunk, data...)
			// Capped, so an append to one event's data never writes over
			// the next one's.
			e.Data = json.RawMessage(chunk[n:len(chunk):len(chunk)])
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// integer decodes an int2/int4/int8 column in either wire format.
func integer(b []byte, binaryFormat bool) (int64, error) {
	if !binaryFormat {
		return strconv.ParseInt(string(b), 10, 64)
	}
	switch len(b) {
	case 8:
		return int64(binary.BigEndian.Uint64(b)), nil
	case 4:
		return int64(int32(binary.BigEndian.Uint32(b))), nil
	case 2:
		return int64(int16(binary.BigEndian.Uint16(b))), nil
	}
	return 0, fmt.Errorf("binary integer of %d bytes", len(b))
}

// decodeMetadata decodes the metadata JSON as json.Unmarshal would. The
// writer stores json.Marshal's output of eventstore.Metadata: one object of
// known keys whose values are strings (and the actor, an object of two),
// so that shape is parsed by hand, its strings taken as pieces of s. Any
// other input (an escape in a string, an unknown key, a null, a number) goes
// to json.Unmarshal, which stays the reference for what the bytes mean.
func decodeMetadata(s string, m *eventstore.Metadata) error {
	var fast eventstore.Metadata
	if parseMetadata(s, &fast) {
		*m = fast
		return nil
	}
	return json.Unmarshal([]byte(s), m)
}

// parseMetadata parses s into m and reports whether s had the expected
// shape; when it did not, m is to be ignored.
func parseMetadata(s string, m *eventstore.Metadata) bool {
	if !utf8.ValidString(s) {
		return false // json.Unmarshal replaces invalid bytes; leave that to it
	}
	p := parser{s: s}
	return p.object(func(key string) bool {
		switch key {
		case "command_id":
			return p.str(&m.CommandID)
		case "correlation_id":
			return p.str(&m.CorrelationID)
		case "causation_id":
			return p.str(&m.CausationID)
		case "idempotency_key":
			return p.str(&m.IdempotencyKey)
		case "recorded_at":
			start := p.i
			var ignored string
			if !p.str(&ignored) {
				return false
			}
			// time.Time's own decoder, as json.Unmarshal would call it.
			return m.RecordedAt.UnmarshalJSON([]byte(p.s[start:p.i])) == nil
		case "actor":
			return p.object(func(key string) bool {
				switch key {
				case "user_id":
					return p.str(&m.Actor.UserID)
				case "role":
					return p.str(&m.Actor.Role)
				}
				return false
			})
		}
		return false
	}) && p.end()
}

// parser reads the subset of JSON the metadata uses.
type parser struct {
	s string
	i int
}

func (p *parser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) byte(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) end() bool {
	p.space()
	return p.i == len(p.s)
}

// str reads a string without escapes into *dst (s is valid UTF-8, checked
// once in parseMetadata); a control character, which JSON forbids in a
// string, is refused.
func (p *parser) str(dst *string) bool {
	if !p.byte('"') {
		return false
	}
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			*dst = p.s[start:p.i]
			p.i++
			return true
		case c == '\\' || c < 0x20:
			return false
		}
		p.i++
	}
	return false
}

// object reads {"key": value, ...}, handing each key to member, which reads
// the value.
func (p *parser) object(member func(key string) bool) bool {
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return true
	}
	for {
		var key string
		if !p.str(&key) || !p.byte(':') || !member(key) {
			return false
		}
		if p.byte('}') {
			return true
		}
		if !p.byte(',') {
			return false
		}
	}
}
