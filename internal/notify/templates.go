package notify

import (
	"fmt"
	"strings"
)

// Kind is what happened, from the customer's point of view.
type Kind string

const (
	OrderConfirmed Kind = "order_confirmed"
	Shipped        Kind = "shipped"
	OutForDelivery Kind = "out_for_delivery"
	Delivered      Kind = "delivered"
	RefundIssued   Kind = "refund_issued"
)

// Locale is the language of a message: English unless the customer chose
// Arabic.
type Locale string

const (
	English Locale = "en"
	Arabic  Locale = "ar"
)

// LocaleOf reads a profile's locale ("ar", "ar-AE" …); anything else is
// English.
func LocaleOf(s string) Locale {
	if s == "ar" || strings.HasPrefix(s, "ar-") || strings.HasPrefix(s, "ar_") {
		return Arabic
	}
	return English
}

// Data fills a template; fields a kind does not use stay empty.
type Data struct {
	Name     string // the customer's name; may be empty
	OrderID  string
	Carrier  string
	Tracking string
	Amount   string // "AED 125.00"
}

type template struct{ subject, body string }

// templates holds every message souq sends, per kind and locale. Verbs are
// filled in order: %[1]s name, %[2]s order, %[3]s carrier, %[4]s
// tracking number, %[5]s amount.
func templates() map[Kind]map[Locale]template {
	return map[Kind]map[Locale]template{
		OrderConfirmed: {
			English: {"Your souq order %[2]s is confirmed", "Hello %[1]s, your order %[2]s is confirmed. We will tell you when it ships."},
			Arabic:  {"تم تأكيد طلبك %[2]s من سوق", "مرحباً %[1]s، تم تأكيد طلبك %[2]s. سنخبرك عند شحنه."},
		},
		Shipped: {
			English: {"Your souq order %[2]s has shipped", "Hello %[1]s, your order %[2]s is on its way with %[3]s, tracking number %[4]s."},
			Arabic:  {"تم شحن طلبك %[2]s من سوق", "مرحباً %[1]s، طلبك %[2]s في الطريق مع %[3]s، رقم التتبع %[4]s."},
		},
		OutForDelivery: {
			English: {"Your souq order %[2]s is out for delivery", "Hello %[1]s, your order %[2]s is out for delivery today with %[3]s (tracking %[4]s)."},
			Arabic:  {"طلبك %[2]s من سوق خرج للتوصيل", "مرحباً %[1]s، طلبك %[2]s خرج للتوصيل اليوم مع %[3]s (رقم التتبع %[4]s)."},
		},
		Delivered: {
			English: {"Your souq order %[2]s was delivered", "Hello %[1]s, your order %[2]s was delivered. Enjoy your fragrance!"},
			Arabic:  {"تم توصيل طلبك %[2]s من سوق", "مرحباً %[1]s، تم توصيل طلبك %[2]s. نتمنى أن ينال العطر إعجابك!"},
		},
		RefundIssued: {
			English: {"Your souq refund of %[5]s", "Hello %[1]s, we refunded %[5]s for your order %[2]s."},
			Arabic:  {"استرداد مبلغ %[5]s من سوق", "مرحباً %[1]s، أعدنا لك مبلغ %[5]s عن طلبك %[2]s."},
		},
	}
}

// Render writes the message of kind k in locale l (English when l has no
// template). An unknown kind is an error: a new kind needs its templates.
func Render(k Kind, l Locale, d Data) (subject, body string, err error) {
	byLocale, ok := templates()[k]
	if !ok {
		return "", "", fmt.Errorf("notify: no template for %q", k)
	}
	t, ok := byLocale[l]
	if !ok {
		t = byLocale[English]
	}
	if d.Name == "" {
		d.Name = map[Locale]string{Arabic: "عميلنا العزيز"}[l]
		if d.Name == "" {
			d.Name = "there"
		}
	}
	args := []any{d.Name, d.OrderID, d.Carrier, d.Tracking, d.Amount}
	return fmt.Sprintf(t.subject, args...), fmt.Sprintf(t.body, args...), nil
}
