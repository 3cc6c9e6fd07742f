package postgres

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"

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
		if err := eventstore.DecodeMetadata(all[c:], &e.Metadata); err != nil {
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
