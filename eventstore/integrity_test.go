package eventstore_test

import (
	"testing"

	"github.com/souq-market/souq/eventstore"
)

func TestIntegrityProblemString(t *testing.T) {
	cases := []struct {
		p    eventstore.IntegrityProblem
		want string
	}{
		{eventstore.IntegrityProblem{Position: 12, Kind: eventstore.IntegrityMissing, Detail: "expected position 12 next, found 13"},
			"position 12: missing: expected position 12 next, found 13"},
		{eventstore.IntegrityProblem{Position: 7, Stream: "order-1", Revision: 3, Kind: eventstore.IntegrityEdited, Detail: "changed"},
			`position 7 ("order-1" revision 3): edited: changed`},
		// A stream name is stored input: quoted, so it cannot forge a line.
		{eventstore.IntegrityProblem{Position: 1, Stream: "x\nposition 2: ok", Kind: eventstore.IntegrityReordered, Detail: "d"},
			`position 1 ("x\nposition 2: ok" revision 0): reordered: d`},
	}
	for _, tc := range cases {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
