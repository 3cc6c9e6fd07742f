package pii

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/eventstore"
)

// CodeForgotten refuses personal data for a subject already forgotten.
const CodeForgotten = "pii.subject_forgotten"

// Rule says which fields of one event type are personal data, and whose.
type Rule struct {
	// SubjectField is the top-level payload field holding the subject's
	// ID; when empty, the subject is the stream ID less StreamPrefix.
	SubjectField string
	StreamPrefix string
	// Fields are paths to string fields, object keys joined by dots
	// ("email", "profile.phone", "address.line1"). Only strings are
	// sealed, so an erased field is still a string and every fold of it
	// still decodes.
	Fields []string
}

// Catalog maps event types to their personal fields.
type Catalog map[string]Rule

func (r Rule) subject(stream string, data json.RawMessage) (string, error) {
	if r.SubjectField == "" {
		id, ok := strings.CutPrefix(stream, r.StreamPrefix)
		if !ok || id == "" {
			return "", fmt.Errorf("pii: stream %q is not named %s<subject>", stream, r.StreamPrefix)
		}
		return id, nil
	}
	var top map[string]json.RawMessage
	var id string
	if err := json.Unmarshal(data, &top); err != nil || json.Unmarshal(top[r.SubjectField], &id) != nil || id == "" {
		return "", fmt.Errorf("pii: no subject in field %q", r.SubjectField)
	}
	return id, nil
}

// Store seals the personal fields the catalog names before they reach the
// store it wraps, and opens them on every read, so everything above it —
// command handlers, projectors, audit — sees plaintext, or Erased once the
// subject is forgotten, and the bytes stored are ciphertext that never
// change after append (forgetting deletes a key, never an event).
//
// Keys are memoized for one call only (one append, one page, one
// subscription batch): a key is never served after a Forget that completed
// before the call began, whichever process made it.
type Store struct {
	eventstore.Store
	keys    Keyring
	catalog Catalog
	// pseudonymKeys caches the keys of Pseudonym by purpose: they belong
	// to no customer and are never forgotten, so a cache cannot go stale.
	pseudonymKeys sync.Map
}

// Wrap returns inner sealing and opening the catalog's fields with keys.
func Wrap(inner eventstore.Store, keys Keyring, catalog Catalog) *Store {
	return &Store{Store: inner, keys: keys, catalog: catalog}
}

// Close closes the store underneath, and the keyring when it has a Close.
func (s *Store) Close() error {
	err := s.Store.Close()
	if c, ok := s.keys.(io.Closer); ok {
		err = errors.Join(err, c.Close())
	}
	return err
}

// pseudonymSubject prefixes the keyring subjects of Pseudonym keys; a
// customer ID cannot contain ':'.
const pseudonymSubject = "souq:pseudonym:"

// Pseudonym is a keyed hash (HMAC-SHA256, hex) of value for purpose, with
// a key of that purpose kept in the keyring: a name for a stream that must
// be found from personal data (an email) without writing the data, or an
// unkeyed hash anyone could test guesses against, into a stream ID.
func (s *Store) Pseudonym(ctx context.Context, purpose, value string) (string, error) {
	key, ok := s.pseudonymKeys.Load(purpose)
	if !ok {
		k, err := s.keys.Key(ctx, pseudonymSubject+purpose, true)
		if err != nil {
			return "", fmt.Errorf("pii: pseudonym key of %s: %w", purpose, err)
		}
		key, _ = s.pseudonymKeys.LoadOrStore(purpose, k)
	}
	mac := hmac.New(sha256.New, key.([]byte))
	mac.Write([]byte(value))
	return hex.EncodeToString(mac.Sum(nil)), nil
}

// ErrNoIntegrity: the store underneath keeps no hash chains to verify.
var ErrNoIntegrity = errors.New("pii: the store underneath keeps no hash chains")

// VerifyIntegrity verifies the hash chains of the store underneath, over
// the events as stored — sealed, and unchanged by any Forget.
func (s *Store) VerifyIntegrity(ctx context.Context, progress func(done, head eventstore.Position)) ([]eventstore.IntegrityProblem, error) {
	iv, ok := s.Store.(eventstore.IntegrityVerifier)
	if !ok {
		return nil, ErrNoIntegrity
	}
	return iv.VerifyIntegrity(ctx, progress)
}

// Unwrap is the store underneath.
func (s *Store) Unwrap() eventstore.Store { return s.Store }

// Forget destroys the subject's key: every personal field sealed for it,
// in every event ever stored, reads as Erased from now on.
func (s *Store) Forget(ctx context.Context, subject string) error {
	return s.keys.Forget(ctx, subject)
}

// Append seals, then appends. A retry (same event IDs) seals with new
// nonces; the store recognizes retries by ID, stream and type, so the
// first append's bytes stay the ones stored.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) (eventstore.AppendResult, error) {
	out := events
	memo := keyMemo{}
	for i, e := range events {
		rule, ok := s.catalog[e.Type]
		if !ok {
			continue
		}
		if &out[0] == &events[0] {
			out = append([]eventstore.EventData(nil), events...)
		}
		subject, err := rule.subject(stream, e.Data)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("pii: seal %s: %w", e.Type, err)
		}
		key, err := memo.get(ctx, s.keys, subject, true)
		if errors.Is(err, ErrForgotten) {
			return eventstore.AppendResult{}, domain.Errorf(domain.Conflict, CodeForgotten, "customer %s was forgotten: souq records no personal data of theirs again", subject)
		}
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		data := e.Data
		for _, path := range rule.Fields {
			place := Place{Subject: subject, EventID: e.ID, EventType: e.Type, Path: path}
			data, err = edit(data, strings.Split(path, "."), func(v json.RawMessage) (json.RawMessage, bool, error) {
				var str string
				if json.Unmarshal(v, &str) != nil || str == "" {
					return nil, false, nil // not a string, or nothing to hide
				}
				sealed, err := Seal(key, place, v)
				return sealed, err == nil, err
			})
			if err != nil {
				return eventstore.AppendResult{}, fmt.Errorf("pii: seal %s of %s: %w", path, e.Type, err)
			}
		}
		out[i].Data = data
	}
	return s.Store.Append(ctx, stream, expected, out)
}

func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	evs, err := s.Store.ReadStream(ctx, stream, opts)
	if err != nil {
		return evs, err
	}
	return s.open(ctx, evs)
}

func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	evs, err := s.Store.ReadAll(ctx, after, limit)
	if err != nil {
		return evs, err
	}
	return s.open(ctx, evs)
}

func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, handle func([]eventstore.RecordedEvent) error) error {
	return s.Store.Subscribe(ctx, after, func(evs []eventstore.RecordedEvent) error {
		opened, err := s.open(ctx, evs)
		if err != nil {
			return err
		}
		return handle(opened)
	})
}

// open returns evs with their sealed fields opened; the slice it was given
// is left as it was.
func (s *Store) open(ctx context.Context, evs []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, error) {
	out := evs
	memo := keyMemo{}
	for i, e := range evs {
		rule, ok := s.catalog[e.Type]
		if !ok || !bytes.Contains(e.Data, []byte(`"sealed"`)) {
			continue // no personal fields, or plaintext written before sealing began
		}
		if &out[0] == &evs[0] {
			out = append([]eventstore.RecordedEvent(nil), evs...)
		}
		data, err := s.openEvent(ctx, memo, rule, e)
		if err != nil {
			return nil, fmt.Errorf("pii: open %s at position %d (stream %s): %w", e.Type, e.Position, e.StreamID, err)
		}
		out[i].Data = data
	}
	return out, nil
}

func (s *Store) openEvent(ctx context.Context, memo keyMemo, rule Rule, e eventstore.RecordedEvent) (json.RawMessage, error) {
	subject, err := rule.subject(e.StreamID, e.Data)
	if err != nil {
		return nil, err
	}
	data := e.Data
	for _, path := range rule.Fields {
		place := Place{Subject: subject, EventID: e.ID, EventType: e.Type, Path: path}
		data, err = edit(data, strings.Split(path, "."), func(v json.RawMessage) (json.RawMessage, bool, error) {
			sealed, ok, err := Parse(v)
			if !ok || err != nil {
				return nil, false, err
			}
			key, err := memo.get(ctx, s.keys, subject, false)
			switch {
			case errors.Is(err, ErrForgotten), errors.Is(err, ErrNoKey):
				// No key, no plaintext: a key that never existed cannot
				// open it either, so it reads as erased too.
				return json.RawMessage(`"` + Erased + `"`), true, nil
			case err != nil:
				return nil, false, err
			}
			plain, err := Open(key, place, sealed)
			return plain, err == nil, err
		})
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

// keyMemo remembers the keys (or their absence) looked up within one call.
type keyMemo map[string]keyResult

type keyResult struct {
	key []byte
	err error
}

func (m keyMemo) get(ctx context.Context, keys Keyring, subject string, create bool) ([]byte, error) {
	if r, ok := m[subject]; ok && (r.err == nil || !create || !errors.Is(r.err, ErrNoKey)) {
		return r.key, r.err
	}
	k, err := keys.Key(ctx, subject, create)
	if err != nil && !errors.Is(err, ErrForgotten) && !errors.Is(err, ErrNoKey) {
		return nil, fmt.Errorf("pii: key of %s: %w", subject, err)
	}
	m[subject] = keyResult{k, err}
	return k, err
}

// edit applies f to the value at path in the JSON object data, returning
// data unchanged when the path is absent or null, or when f changes
// nothing. Numbers and every other field keep their exact bytes.
func edit(data json.RawMessage, path []string, f func(json.RawMessage) (json.RawMessage, bool, error)) (json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return data, nil // not an object here: nothing at this path
	}
	v, ok := obj[path[0]]
	if !ok || string(v) == "null" {
		return data, nil
	}
	var next json.RawMessage
	if len(path) == 1 {
		nv, changed, err := f(v)
		if err != nil || !changed {
			return data, err
		}
		next = nv
	} else {
		nv, err := edit(v, path[1:], f)
		if err != nil || bytes.Equal(nv, v) {
			return data, err
		}
		next = nv
	}
	obj[path[0]] = next
	return json.Marshal(obj)
}
