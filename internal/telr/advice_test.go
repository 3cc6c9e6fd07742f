package telr

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// paid is Telr's record of a paid order, as method check answers it.
func paidOrder() Order {
	var o Order
	o.Ref, o.CartID, o.Amount, o.Currency = "ORDREF", "pay-1", "200.00", "AED"
	o.Status.Code, o.Status.Text = StatusPaid, "Paid"
	o.Transaction.Ref, o.Transaction.Type, o.Transaction.Status = "040000000001", "sale", "A"
	return o
}

func advice(edit func(url.Values)) []byte {
	v := url.Values{"tran_store": {storeID}, "tran_type": {"sale"}, "tran_class": {"ecom"}, "tran_test": {"1"}, "tran_ref": {"040000000001"},
		"tran_prevref": {"0"}, "tran_cartid": {"pay-1"}, "tran_currency": {"AED"}, "tran_amount": {"200.00"}, "tran_status": {"A"},
		"tran_authcode": {"123456"}, "tran_authmessage": {"Authorised"}}
	if edit != nil {
		edit(v)
	}
	return []byte(v.Encode())
}

// TestConfirm: an advice is believed only as far as Telr's own record of
// the order agrees; forged or altered ones are contradicted.
func TestConfirm(t *testing.T) {
	pending := paidOrder()
	pending.Status.Code, pending.Status.Text, pending.Transaction.Ref = StatusPending, "Pending", ""
	for _, tc := range []struct {
		name  string
		edit  func(url.Values)
		order Order
		ok    bool
	}{
		{"genuine", nil, paidOrder(), true},
		{"another store", func(v url.Values) { v.Set("tran_store", "1") }, paidOrder(), false},
		{"another payment's cart", func(v url.Values) { v.Set("tran_cartid", "pay-2") }, paidOrder(), false},
		{"amount altered", func(v url.Values) { v.Set("tran_amount", "2000.00") }, paidOrder(), false},
		{"currency altered", func(v url.Values) { v.Set("tran_currency", "SAR") }, paidOrder(), false},
		{"another transaction", func(v url.Values) { v.Set("tran_ref", "040000000009") }, paidOrder(), false},
		{"paid, says Telr nothing of", nil, pending, false},
		{"declined, while Telr says paid", func(v url.Values) { v.Set("tran_status", "D") }, paidOrder(), false},
		{"refund of the sale", func(v url.Values) {
			v.Set("tran_type", "refund")
			v.Set("tran_ref", "040000000002")
			v.Set("tran_prevref", "040000000001")
		}, paidOrder(), true},
		{"refund of another sale", func(v url.Values) {
			v.Set("tran_type", "refund")
			v.Set("tran_ref", "040000000002")
			v.Set("tran_prevref", "040000000005")
		}, paidOrder(), false},
	} {
		a, err := ParseAdvice(advice(tc.edit))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		err = Confirm(a, storeID, tc.order)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrContradicted)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestParseAdviceRefuses(t *testing.T) {
	for name, body := range map[string][]byte{
		"empty":        nil,
		"not a form":   []byte("%zz"),
		"not UTF-8":    []byte("tran_store=1\xff"),
		"no store":     advice(func(v url.Values) { v.Del("tran_store") }),
		"store text":   advice(func(v url.Values) { v.Set("tran_store", "abc") }),
		"ref text":     advice(func(v url.Values) { v.Set("tran_ref", "12a") }),
		"no type":      advice(func(v url.Values) { v.Del("tran_type") }),
		"long status":  advice(func(v url.Values) { v.Set("tran_status", "AA") }),
		"foreign cart": advice(func(v url.Values) { v.Set("tran_cartid", "cart 1") }),
		"bad attempt":  advice(func(v url.Values) { v.Set("tran_cartid", "pay-1~9") }),
		"long cart":    advice(func(v url.Values) { v.Set("tran_cartid", strings.Repeat("p", 64)) }),
	} {
		if _, err := ParseAdvice(body); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestCartIDs(t *testing.T) {
	for _, tc := range []struct {
		cart string
		id   string
		ok   bool
	}{{"pay-1", "pay-1", true}, {"pay-1~2", "pay-1", true}, {"pay-1~5", "pay-1", true}, {"pay-1~1", "", false}, {"pay-1~02", "", false}, {"pay-1~x", "", false}, {"~2", "", false}} {
		id, ok := PaymentOf(tc.cart)
		if ok != tc.ok || (ok && string(id) != tc.id) {
			t.Errorf("%q: %q %v", tc.cart, id, ok)
		}
	}
	if CartID("pay-1", 1) != "pay-1" || CartID("pay-1", 3) != "pay-1~3" {
		t.Error("cart IDs")
	}
}

func FuzzParseAdvice(f *testing.F) {
	f.Add(advice(nil))
	f.Add(advice(func(v url.Values) { v.Set("tran_type", "refund"); v.Set("tran_cartid", "pay-1~3") }))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseAdvice(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("%v is not ErrMalformed", err)
			}
			return
		}
		if id, ok := PaymentOf(a.CartID); !ok || id == "" || a.Ref == "" || a.Store == "" {
			t.Fatalf("incomplete advice %+v", a)
		}
		if Confirm(a, a.Store, paidOrder()) == nil && (a.CartID != "pay-1" || (a.Initial() && a.Amount == "")) {
			t.Fatalf("confirmed an advice Telr's record contradicts: %+v", a)
		}
	})
}
