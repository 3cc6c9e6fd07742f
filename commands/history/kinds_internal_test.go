package history

import (
	"testing"

	"github.com/souq-market/souq/commands"
)

// TestEveryEventTypeBelongsToOneKind: a re-fold calls an event of a type its
// stream's kind does not list refused, so every type souq registers must be
// listed by exactly one kind, or a healthy log would fail verification.
func TestEveryEventTypeBelongsToOneKind(t *testing.T) {
	for typ := range commands.NewRegistry().Types() {
		var owners []string
		for _, k := range kinds() {
			if k.types[typ] {
				owners = append(owners, k.name)
			}
		}
		if len(owners) != 1 {
			t.Errorf("%s is applied by %v, want exactly one kind", typ, owners)
		}
	}
}
