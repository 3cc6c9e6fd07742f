package eventstore

import (
	"encoding/json"
	"unicode/utf8"
)

// DecodeMetadata decodes the metadata JSON as json.Unmarshal would. The
// SQL backends store json.Marshal's output of Metadata: one object of
// known keys whose values are strings (and the actor, an object of two),
// so that shape is parsed by hand, its strings taken as pieces of s. Any
// other input (an escape in a string, an unknown key, a null, a number) goes
// to json.Unmarshal, which stays the reference for what the bytes mean.
func DecodeMetadata(s string, m *Metadata) error {
	var fast Metadata
	if parseMetadata(s, &fast) {
		*m = fast
		return nil
	}
	return json.Unmarshal([]byte(s), m)
}

// parseMetadata parses s into m and reports whether s had the expected
// shape; when it did not, m is to be ignored.
func parseMetadata(s string, m *Metadata) bool {
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
