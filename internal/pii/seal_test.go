package pii

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
)

func mustKey(t testing.TB) []byte {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var home = Place{Subject: "u-1", EventID: "0b5f6a9e-7d1c-4c51-9a43-1b2c3d4e5f60", EventType: "user.address_added", Path: "address.line1"}

func TestSealOpens(t *testing.T) {
	key := mustKey(t)
	plain := json.RawMessage(`"Villa 12, Street 3"`)
	raw, err := Seal(key, home, plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("Villa")) {
		t.Fatalf("sealed value shows the plaintext: %s", raw)
	}
	s, ok, err := Parse(raw)
	if !ok || err != nil {
		t.Fatalf("parse %s: %v %v", raw, ok, err)
	}
	got, err := Open(key, home, s)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: %s %v", got, err)
	}
	again, _ := Seal(key, home, plain)
	if bytes.Equal(raw, again) {
		t.Fatal("two seals of one value are equal: the nonce is not fresh")
	}
}

// TestOpenRefusesHostileValues: every way a stored value can be broken,
// moved or forged is refused as ErrMalformed, never opened and never taken
// for an erased value.
func TestOpenRefusesHostileValues(t *testing.T) {
	key := mustKey(t)
	raw, err := Seal(key, home, json.RawMessage(`"Villa 12"`))
	if err != nil {
		t.Fatal(err)
	}
	var good Sealed
	if err := json.Unmarshal(raw, &good); err != nil {
		t.Fatal(err)
	}
	enc := func(mut func(*Sealed)) json.RawMessage {
		s := good
		s.Nonce, s.CT = bytes.Clone(good.Nonce), bytes.Clone(good.CT)
		mut(&s)
		b, _ := json.Marshal(s)
		return b
	}
	moved := func(mut func(*Place)) (json.RawMessage, Place) { p := home; mut(&p); return raw, p }
	type tc struct {
		name  string
		raw   json.RawMessage
		place Place
		key   []byte
	}
	cases := []tc{
		{"truncated JSON", raw[:len(raw)/2], home, key},
		{"not an object of ours", json.RawMessage(`{"name":"x"}`), home, key},
		{"unknown format", enc(func(s *Sealed) { s.Sealed = "v9" }), home, key},
		{"no subject", enc(func(s *Sealed) { s.Subject = "" }), home, key},
		{"short nonce", enc(func(s *Sealed) { s.Nonce = s.Nonce[:8] }), home, key},
		{"flipped nonce", enc(func(s *Sealed) { s.Nonce[0] ^= 1 }), home, key},
		{"truncated ciphertext", enc(func(s *Sealed) { s.CT = s.CT[:len(s.CT)-1] }), home, key},
		{"ciphertext shorter than a tag", enc(func(s *Sealed) { s.CT = s.CT[:15] }), home, key},
		{"flipped ciphertext", enc(func(s *Sealed) { s.CT[0] ^= 0x80 }), home, key},
		{"flipped tag", enc(func(s *Sealed) { s.CT[len(s.CT)-1] ^= 1 }), home, key},
		{"huge ciphertext", enc(func(s *Sealed) { s.CT = make([]byte, maxSealed+1) }), home, key},
		{"nonce not base64", json.RawMessage(`{"sealed":"v1","subject":"u-1","nonce":"%%%","ct":"AAAA"}`), home, key},
		{"wrong key", raw, home, mustKey(t)},
		{"subject relabelled", enc(func(s *Sealed) { s.Subject = "u-2" }), Place{"u-2", home.EventID, home.EventType, home.Path}, key},
	}
	for _, m := range []struct {
		name string
		mut  func(*Place)
	}{
		{"moved to another subject", func(p *Place) { p.Subject = "u-2" }},
		{"moved to another event", func(p *Place) { p.EventID = "1b5f6a9e-7d1c-4c51-9a43-1b2c3d4e5f60" }},
		{"moved to another event type", func(p *Place) { p.EventType = "user.registered" }},
		{"moved to another field", func(p *Place) { p.Path = "address.recipient" }},
	} {
		r, p := moved(m.mut)
		cases = append(cases, tc{m.name, r, p, key})
	}
	for _, c := range cases {
		s, ok, err := Parse(c.raw)
		if err == nil && ok {
			_, err = Open(c.key, c.place, s)
		}
		if !ok && c.name != "not an object of ours" || ok && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: ok %v, err %v; want ErrMalformed", c.name, ok, err)
		}
	}
	// Plaintext written before sealing is not a sealed value at all.
	for _, legacy := range []string{`"Villa 12"`, `null`, `42`, ``} {
		if _, ok, err := Parse(json.RawMessage(legacy)); ok || err != nil {
			t.Errorf("Parse(%q): ok %v, err %v; want a plain value", legacy, ok, err)
		}
	}
}

// FuzzOpen: no input makes Parse or Open panic, and nothing but the one
// value sealed for the place opens.
func FuzzOpen(f *testing.F) {
	key := make([]byte, KeySize)
	raw, err := Seal(key, home, json.RawMessage(`"Villa 12"`))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(raw))
	f.Add([]byte(`{"sealed":"v1","subject":"u-1","nonce":"` + base64.StdEncoding.EncodeToString(make([]byte, 12)) + `","ct":"AAAAAAAAAAAAAAAAAAAAAA=="}`))
	f.Add([]byte(`{"sealed":"v1"}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, ok, err := Parse(in)
		if !ok || err != nil {
			return
		}
		plain, err := Open(key, home, s)
		if err == nil && (!json.Valid(plain) || !bytes.Equal(plain, []byte(`"Villa 12"`))) {
			t.Fatalf("forged value opened: %q → %q", in, plain)
		}
	})
}
