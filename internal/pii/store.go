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
	"slices"
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
		data, err := editFields(e.Data, rule.Fields, func(path string, v json.RawMessage) (json.RawMessage, bool, error) {
			var str string
			if json.Unmarshal(v, &str) != nil || str == "" {
				return nil, false, nil // not a string, or nothing to hide
			}
			sealed, err := Seal(key, Place{Subject: subject, EventID: e.ID, EventType: e.Type, Path: path}, v)
			if err != nil {
				return nil, false, fmt.Errorf("pii: seal %s of %s: %w", path, e.Type, err)
			}
			return sealed, true, nil
		})
		if err != nil {
			return eventstore.AppendResult{}, err
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
	if err := s.prefetch(ctx, memo, evs); err != nil {
		return nil, err
	}
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

// prefetch looks up, in one call, the keys of every subject with sealed
// fields among evs.
func (s *Store) prefetch(ctx context.Context, memo keyMemo, evs []eventstore.RecordedEvent) error {
	var subjects []string
	for _, e := range evs {
		rule, ok := s.catalog[e.Type]
		if !ok || !bytes.Contains(e.Data, []byte(`"sealed"`)) {
			continue
		}
		if subject, err := rule.subject(e.StreamID, e.Data); err == nil {
			if _, seen := memo[subject]; !seen {
				memo[subject] = keyResult{err: ErrForgotten} // unless found below
				subjects = append(subjects, subject)
			}
		}
	}
	if len(subjects) < 2 {
		clear(memo) // one subject: the single look-up is as cheap
		return nil
	}
	keys, err := s.keys.Keys(ctx, subjects)
	if err != nil {
		return fmt.Errorf("pii: keys of %d subjects: %w", len(subjects), err)
	}
	for subject, k := range keys {
		memo[subject] = keyResult{key: k}
	}
	return nil
}

func (s *Store) openEvent(ctx context.Context, memo keyMemo, rule Rule, e eventstore.RecordedEvent) (json.RawMessage, error) {
	subject, err := rule.subject(e.StreamID, e.Data)
	if err != nil {
		return nil, err
	}
	return editFields(e.Data, rule.Fields, func(path string, v json.RawMessage) (json.RawMessage, bool, error) {
		sealed, ok, err := Parse(v)
		if !ok || err != nil {
			return nil, false, err
		}
		key, err := memo.get(ctx, s.keys, subject, false)
		switch {
		case errors.Is(err, ErrForgotten), errors.Is(err, ErrNoKey):
			// No key, no plaintext: a key that never existed cannot open
			// it either, so it reads as erased too.
			return json.RawMessage(`"` + Erased + `"`), true, nil
		case err != nil:
			return nil, false, err
		}
		plain, err := Open(key, Place{Subject: subject, EventID: e.ID, EventType: e.Type, Path: path}, sealed)
		return plain, err == nil, err
	})
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

// editFields applies f to the value at each path (object keys joined by
// dots) of the JSON object data, parsing each object on the way once
// whatever the number of paths through it. A path absent or null is
// skipped; data comes back as it was when f changes nothing. Every other
// field keeps its exact bytes (numbers included); keys come out sorted.
func editFields(data json.RawMessage, paths []string, f func(path string, v json.RawMessage) (json.RawMessage, bool, error)) (json.RawMessage, error) {
	split := make([][]string, len(paths))
	for i, p := range paths {
		split[i] = strings.Split(p, ".")
	}
	out, _, err := editObject(data, "", split, f)
	return out, err
}

func editObject(data json.RawMessage, prefix string, paths [][]string, f func(string, json.RawMessage) (json.RawMessage, bool, error)) (json.RawMessage, bool, error) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return data, false, nil // not an object here: nothing at these paths
	}
	changed := false
	var heads []string
	tails := map[string][][]string{}
	for _, p := range paths {
		if _, ok := tails[p[0]]; !ok {
			heads = append(heads, p[0])
		}
		tails[p[0]] = append(tails[p[0]], p[1:])
	}
	for _, head := range heads {
		v, ok := obj[head]
		if !ok || string(v) == "null" {
			continue
		}
		var nested [][]string
		for _, t := range tails[head] {
			if len(t) == 0 {
				nv, ch, err := f(prefix+head, v)
				if err != nil {
					return data, false, err
				}
				if ch {
					obj[head], v, changed = nv, nv, true
				}
				continue
			}
			nested = append(nested, t)
		}
		if len(nested) > 0 {
			nv, ch, err := editObject(v, prefix+head+".", nested, f)
			if err != nil {
				return data, false, err
			}
			if ch {
				obj[head], changed = nv, true
			}
		}
	}
	if !changed {
		return data, false, nil
	}
	return encodeObject(obj), true, nil
}

// encodeObject writes an object of values already valid JSON (parsed, or
// made by json.Marshal) without json.Marshal's re-validation of each.
func encodeObject(obj map[string]json.RawMessage) json.RawMessage {
	keys := make([]string, 0, len(obj))
	size := 2
	for k, v := range obj {
		keys = append(keys, k)
		size += len(k) + len(v) + 4
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(k)
		b = append(b, name...)
		b = append(b, ':')
		b = append(b, obj[k]...)
	}
	return append(b, '}')
}
