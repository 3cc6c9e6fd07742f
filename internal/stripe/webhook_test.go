package stripe

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
)

func signed(body []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at}).Header
}

func TestVerify(t *testing.T) {
	body := []byte(`{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}`)
	now := time.Now()
	for _, tc := range []struct {
		name, header string
		body         []byte
		want         error
	}{
		{"good", signed(body, "whsec_a", now), body, nil},
		{"other secret", signed(body, "whsec_b", now), body, ErrSignature},
		{"body changed", signed(body, "whsec_a", now), append([]byte(" "), body...), ErrSignature},
		{"expired", signed(body, "whsec_a", now.Add(-301*time.Second)), body, ErrExpired},
		{"no header", "", body, ErrSignature},
		{"garbage header", "t=abc,v1=zz", body, ErrSignature},
	} {
		err := Verify(tc.body, tc.header, "whsec_a", Tolerance)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := Verify(body, signed(body, "", now), "", Tolerance); !errors.Is(err, ErrSignature) {
		t.Errorf("no secret configured: %v", err)
	}
}

func TestParseActions(t *testing.T) {
	pi := `"id":"pi_1","object":"payment_intent","amount":20000,"amount_capturable":20000,"amount_received":15000,"currency":"aed","latest_charge":"ch_1"`
	for _, tc := range []struct {
		name, body, want string
	}{
		{"requires action", `{"id":"evt_a","object":"event","type":"payment_intent.requires_action","data":{"object":{` + pi + `}}}`, "require_action pi_1 evt_a"},
		{"authorized", `{"id":"evt_b","object":"event","type":"payment_intent.amount_capturable_updated","data":{"object":{` + pi + `}}}`, "authorize pi_1 authorize:pi_1 AED 200.00"},
		{"succeeded: authorize then the charge's capture", `{"id":"evt_c","object":"event","type":"payment_intent.succeeded","data":{"object":{` + pi + `}}}`,
			"authorize pi_1 authorize:pi_1 AED 200.00|capture pi_1 capture:ch_1 AED 150.00"},
		{"charge captured: the same capture key", `{"id":"evt_d","object":"event","type":"charge.captured","data":{"object":{"id":"ch_1","object":"charge","amount":20000,"amount_captured":15000,"currency":"aed","payment_intent":{"id":"pi_1"}}}}`,
			"authorize pi_1 authorize:pi_1 AED 200.00|capture pi_1 capture:ch_1 AED 150.00"},
		{"failed", `{"id":"evt_e","object":"event","type":"payment_intent.payment_failed","data":{"object":{"id":"pi_1","amount":100,"currency":"sar","last_payment_error":{"code":"card_declined","decline_code":"insufficient_funds","message":"no"}}}}`,
			"fail pi_1 evt_e insufficient_funds"},
		{"canceled", `{"id":"evt_f","object":"event","type":"payment_intent.canceled","data":{"object":{"id":"pi_1","amount":100,"currency":"sar","cancellation_reason":"abandoned"}}}`, "cancel pi_1 evt_f"},
		{"refunded with the list: souq's refund ID", `{"id":"evt_g","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_1","amount":20000,"amount_refunded":8000,"currency":"aed","payment_intent":"pi_1","refunds":{"data":[
			{"id":"re_1","amount":5000,"status":"succeeded","metadata":{"souq_refund_id":"rf-1"}},{"id":"re_2","amount":3000,"status":"succeeded"},{"id":"re_3","amount":1000,"status":"failed"}]}}}}`,
			"refund pi_1 refund:re_1 AED 50.00 rf-1|refund pi_1 refund:re_2 AED 30.00 re_2"},
		{"refunded without the list: the total", `{"id":"evt_h","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_1","amount":20000,"amount_refunded":8000,"currency":"aed","payment_intent":"pi_1"}}}`,
			"refunded_total pi_1 refunded:ch_1:8000 AED 80.00"},
		{"dispute", `{"id":"evt_i","object":"event","type":"charge.dispute.created","data":{"object":{"id":"dp_1","amount":2000,"currency":"kwd","reason":"fraudulent","payment_intent":"pi_1","charge":"ch_1"}}}`,
			"chargeback pi_1 dispute:dp_1 KWD 2.000"},
		{"unknown type", `{"id":"evt_j","object":"event","type":"customer.created","data":{"object":{"id":"cus_1"}}}`, ""},
		{"capturable to nothing", `{"id":"evt_k","object":"event","type":"payment_intent.amount_capturable_updated","data":{"object":{"id":"pi_1","amount":100,"amount_capturable":0,"currency":"aed"}}}`, ""},
	} {
		ev, err := Parse([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var got []string
		for _, a := range ev.Actions {
			s := string(a.Kind) + " " + a.PaymentIntent + " " + a.Key
			if a.Amount.Valid() {
				s += " " + a.Amount.String()
			}
			if a.RefundID != "" {
				s += " " + a.RefundID
			}
			if a.Kind == Fail {
				s += " " + a.Code
			}
			got = append(got, s)
		}
		if g := strings.Join(got, "|"); g != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, g, tc.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, body := range []string{
		``, `{`, `[]`, `{"id":"evt_1","object":"event"}`, `{"id":"x","object":"event","type":"a"}`,
		`{"id":"evt_1","object":"event","type":"payment_intent.succeeded","data":{"object":"pi_1"}}`,
		`{"id":"evt_1","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","amount":-5,"currency":"aed"}}}`,
		`{"id":"evt_1","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","amount":5,"amount_received":5,"currency":"xyz"}}}`,
		`{"id":"evt_1","object":"event","type":"charge.captured","data":{"object":{"id":"ch_1","amount":5,"amount_captured":5,"currency":"aed"}}}`,
		"{\"id\":\"evt_1\xff\",\"object\":\"event\",\"type\":\"a\"}",
	} {
		if _, err := Parse([]byte(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", body, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id":"evt_c","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","amount":2,"amount_received":1,"currency":"aed","latest_charge":"ch_1"}}}`))
	f.Add([]byte(`{"id":"evt_g","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_1","amount_refunded":8,"currency":"aed","payment_intent":"pi_1","refunds":{"data":[{"id":"re_1","amount":5,"status":"succeeded"}]}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := Parse(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("%v is not ErrMalformed", err)
			}
			return
		}
		for _, a := range ev.Actions {
			if a.PaymentIntent == "" || a.Key == "" {
				t.Fatalf("incomplete action %+v", a)
			}
		}
	})
}
