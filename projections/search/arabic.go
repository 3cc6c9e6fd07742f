package search

import (
	"strings"
	"unicode"
)

// CharMapping is one rule of the Arabic normalisation: every rune of From
// becomes To ("" deletes it). Both analyzers are generated from these rules
// (Bleve as regexp char filters, Elasticsearch as a mapping char filter),
// and Normalize applies them in Go, so query text, index text and our own
// prefix and term queries agree.
type CharMapping struct {
	Name string
	From []rune
	To   string
}

// ArabicMappings are the rules, in the order they apply.
func ArabicMappings() []CharMapping {
	diacritics := []rune{'\u0670'}            // superscript alef
	for r := rune(0x064B); r <= 0x065F; r++ { // fathatan … wavy hamza below: tashkeel
		diacritics = append(diacritics, r)
	}
	return []CharMapping{
		{Name: "alef", From: []rune{'أ', 'إ', 'آ', 'ٱ'}, To: "ا"},
		{Name: "taa_marbuta", From: []rune{'ة'}, To: "ه"},
		{Name: "alef_maqsura", From: []rune{'ى'}, To: "ي"},
		{Name: "tatweel", From: []rune{'ـ'}, To: ""},
		{Name: "diacritics", From: diacritics, To: ""},
	}
}

// Normalize applies ArabicMappings to s; other text passes unchanged.
func Normalize(s string) string {
	rules := ArabicMappings()
	return strings.Map(func(r rune) rune {
		for _, m := range rules {
			for _, f := range m.From {
				if r == f {
					if m.To == "" {
						return -1
					}
					return []rune(m.To)[0]
				}
			}
		}
		return r
	}, s)
}

// Fold is what the analyzers make of text before splitting it: normalised
// and lower-cased.
func Fold(s string) string { return strings.ToLower(Normalize(s)) }

// Terms splits folded text into the terms the analyzers index: runs of
// letters and digits.
func Terms(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// Fuzziness is the edit distance a query term tolerates: none up to two
// runes, one up to five, two beyond — Elasticsearch's AUTO, written out so
// both backends use the same numbers.
func Fuzziness(term string) int {
	switch n := len([]rune(term)); {
	case n <= 2:
		return 0
	case n <= 5:
		return 1
	default:
		return 2
	}
}
