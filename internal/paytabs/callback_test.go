package paytabs

import (
	"errors"
	"strings"
	"testing"
)

// The callback of PayTabs' documentation ("Five ways of receiving the
// transaction response"), trimmed of customer details.
const documented = `{"tran_ref":"TST2028600008198","cart_id":"cart_11111","cart_description":"Description of the items","cart_currency":"SAR","cart_amount":"12.3","tran_currency":"SAR","tran_total":"12.30","tran_type":"Sale","tran_class":"ECom","payment_result":{"response_status":"A","response_code":"G77803","response_message":"Authorised","transaction_time":"2020-10-12T13:28:39Z"},"payment_info":{"card_type":"Credit","card_scheme":"Visa","payment_description":"4111 11## #### 1111"}}`

func TestVerify(t *testing.T) {
	body := []byte(documented)
	good := Sign(body, serverKey)
	for _, tc := range []struct {
		name, sig string
		body      []byte
		ok        bool
	}{
		{"good", good, body, true},
		{"upper-case hex", strings.ToUpper(good), body, true},
		{"other key", Sign(body, "another-server-key"), body, false},
		{"body altered", good, []byte(strings.Replace(documented, "12.3", "1.23", 1)), false},
		{"no signature", "", body, false},
		{"not hex", "zz" + good[2:], body, false},
		{"truncated", good[:40], body, false},
	} {
		err := Verify(tc.body, tc.sig, serverKey)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrSignature)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if err := Verify(body, Sign(body, ""), ""); !errors.Is(err, ErrSignature) {
		t.Errorf("no key configured: %v", err)
	}
}

func TestParseDocumented(t *testing.T) {
	ev, err := Parse([]byte(documented))
	if err != nil || len(ev.Actions) != 2 || ev.Actions[0].Amount.String() != "SAR 12.30" || ev.Actions[1].Key != "capture:TST2028600008198" {
		t.Fatalf("%+v %v", ev.Actions, err)
	}
	for _, status := range []string{"H", "P"} {
		ev, err := Parse([]byte(strings.Replace(documented, `"response_status":"A"`, `"response_status":"`+status+`"`, 1)))
		if err != nil || len(ev.Actions) != 0 {
			t.Errorf("status %s: %+v %v, want no actions", status, ev.Actions, err)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, body := range []string{
		``, `{`, `[]`, `"x"`, `{}`,
		`{"tran_ref":"TST1","tran_type":"Sale"}`,
		`{"tran_ref":"TST 1","tran_type":"Sale","payment_result":{"response_status":"A"}}`,
		`{"tran_ref":"TST1","tran_type":"Sale","cart_currency":"XYZ","cart_amount":"1","payment_result":{"response_status":"A"}}`,
		`{"tran_ref":"TST1","tran_type":"Sale","cart_currency":"AED","cart_amount":"-1","payment_result":{"response_status":"A"}}`,
		`{"tran_ref":"TST1","tran_type":"Sale","cart_currency":"AED","cart_amount":"1.001","payment_result":{"response_status":"A"}}`,
		`{"tran_ref":"TST1","tran_type":"Refund","cart_currency":"AED","cart_amount":"1","payment_result":{"response_status":"A"}}`,
		`{"tran_ref":"TST1","tran_type":"Sale","cart_currency":"AED","cart_amount":1e400,"payment_result":{"response_status":"A"}}`,
		"{\"tran_ref\":\"TST1\xff\",\"tran_type\":\"Sale\"}",
	} {
		if _, err := Parse([]byte(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", body, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(documented))
	f.Add([]byte(`{"tran_ref":"TST2","previous_tran_ref":"TST1","tran_type":"Refund","cart_id":"rf-1~refund","cart_currency":"KWD","cart_amount":"1.5","payment_result":{"response_status":"A"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := Parse(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("%v is not ErrMalformed", err)
			}
			return
		}
		for _, a := range ev.Actions {
			if a.Ref == "" || a.Key == "" || (a.Kind != "fail" && a.Kind != "cancel" && !a.Amount.IsPositive()) {
				t.Fatalf("incomplete action %+v", a)
			}
		}
	})
}
