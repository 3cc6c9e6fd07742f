package domain

import "testing"

// compactMoney is a shortcut: wherever it answers, the decoder's path must
// give the same Money, and where that path refuses, the shortcut must not
// answer.
func FuzzCompactMoney(f *testing.F) {
	for _, s := range []string{
		`{"amount":-1250,"currency":"SAR"}`, `{"amount":0,"currency":"AED"}`, `{"amount":-0,"currency":"AED"}`,
		`{"amount":007,"currency":"AED"}`, `{"amount":-,"currency":"AED"}`, `{"amount":,"currency":"AED"}`,
		`{"amount":12,"currency":"USD"}`, `{"amount":12,"currency":"aed"}`, `{"amount":12,"currency":"A\u0045D"}`,
		`{"amount":99999999999999999999,"currency":"AED"}`, `{"amount":9223372036854775807,"currency":"KWD"}`,
		`{"amount":1,"currency":"AED"} `, `{"amount":1,"currency":"AED","extra":1}`, `{"amount":1,"currency":"AED"}}`,
		`{"amount":12.5,"currency":"AED"}`, `{"amount":1e3,"currency":"AED"}`, `{"amount":+1,"currency":"AED"}`,
		`{"amount":1,"currency":""}`, `{"amount":1,"currency":"AED`, `{"amount":1`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := compactMoney([]byte(s))
		var slow Money
		err := slow.unmarshalJSON([]byte(s))
		switch {
		case ok && err != nil:
			t.Fatalf("%s: shortcut accepts %v, decoder refuses: %v", s, fast, err)
		case ok && fast != slow:
			t.Fatalf("%s: shortcut %v, decoder %v", s, fast, slow)
		}
	})
}

// The shortcut answers for what MarshalJSON writes: otherwise it saves
// nothing.
func TestCompactMoneyTakesMarshalOutput(t *testing.T) {
	for _, m := range []Money{{amount: -1250, currency: SAR}, {amount: 0, currency: AED}, {amount: 1<<63 - 1, currency: KWD}} {
		b, err := m.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := compactMoney(b); !ok || got != m {
			t.Fatalf("%s: shortcut gave %v, %v", b, got, ok)
		}
	}
}
