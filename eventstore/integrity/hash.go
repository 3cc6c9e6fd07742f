package integrity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// Size is the length of every hash here.
const Size = sha256.Size

// Hash is one SHA-256 value; the zero Hash precedes the first event of a
// stream and of the log.
type Hash [Size]byte

// Event is what the digest covers: an event as the store keeps it.
type Event struct {
	Stream        string
	ID            string
	Type          string
	SchemaVersion int
	Data          []byte
	Metadata      []byte
	RecordedAt    int64 // unix microseconds
}

// Digest hashes the content of one event, independent of where it lands.
func Digest(e Event) Hash {
	h := sha256.New()
	h.Write([]byte("souq-event-v1"))
	field(h, []byte(e.Stream))
	field(h, []byte(e.ID))
	field(h, []byte(e.Type))
	number(h, uint64(e.SchemaVersion))
	field(h, e.Data)
	field(h, e.Metadata)
	number(h, uint64(e.RecordedAt))
	return sum(h)
}

// Link chains an event to the previous event of its stream.
func Link(prev Hash, revision uint64, digest Hash) Hash {
	var b [Size + 8 + Size]byte
	copy(b[:], prev[:])
	binary.BigEndian.PutUint64(b[Size:], revision)
	copy(b[Size+8:], digest[:])
	return sha256.Sum256(b[:])
}

// Global chains an event's hash to the global hash of the position before it.
func Global(prev Hash, position uint64, eventHash Hash) Hash {
	return Link(prev, position, eventHash) // the same layout: prev || number || hash
}

// Sign is the signature of an unchained checkpoint (seq 0), over a position
// and its global hash: the format before SignChained, kept to check those.
func Sign(key []byte, position uint64, global Hash) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("souq-checkpoint-v1"))
	number(m, position)
	m.Write(global[:])
	return m.Sum(nil)
}

// ValidSignature says whether sig is the signature of position and global.
func ValidSignature(key []byte, position uint64, global Hash, sig []byte) bool {
	return hmac.Equal(sig, Sign(key, position, global))
}

// SignChained is the signature of the seq-th chained checkpoint: besides
// its position and global hash it binds its place in the sequence and the
// signature of the checkpoint before it (nil for none), so a checkpoint
// deleted or moved in the middle breaks the chain.
func SignChained(key []byte, seq, position uint64, global Hash, prev []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("souq-checkpoint-v2"))
	number(m, seq)
	number(m, position)
	m.Write(global[:])
	number(m, uint64(len(prev)))
	m.Write(prev)
	return m.Sum(nil)
}

// FromBytes converts a stored hash; ok is false when b is not one.
func FromBytes(b []byte) (h Hash, ok bool) {
	if len(b) != Size {
		return h, false
	}
	copy(h[:], b)
	return h, true
}

func field(h hash.Hash, b []byte) {
	number(h, uint64(len(b)))
	h.Write(b)
}

func number(h hash.Hash, n uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	h.Write(b[:])
}

func sum(h hash.Hash) (out Hash) {
	h.Sum(out[:0])
	return out
}
