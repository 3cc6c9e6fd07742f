package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// TestLogNotifierNamesNoCustomer: the log line carries the user ID and a
// masked address; neither the address, nor the name the body greets them
// by, reaches the log.
func TestLogNotifierNamesNoCustomer(t *testing.T) {
	var buf bytes.Buffer
	n := LogNotifier{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}
	_, body, err := Render(OrderConfirmed, English, Data{Name: "Layla Haddad", OrderID: "o-1"})
	if err != nil {
		t.Fatal(err)
	}
	m := Message{To: "layla.haddad@example.com", Subject: "Your souq order o-1 is confirmed", Body: body, Key: "e-1:log", UserID: "u-42"}
	if err := n.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	for _, want := range []string{`"user":"u-42"`, `"to":"l***@example.com"`, `"key":"e-1:log"`, "o-1"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %s: %s", want, line)
		}
	}
	for _, leak := range []string{"layla.haddad", "Layla", "Haddad"} {
		if strings.Contains(line, leak) {
			t.Errorf("log line holds %q: %s", leak, line)
		}
	}
}

func TestMaskAddress(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"layla@example.com", "l***@example.com"},
		{"l@example.com", "l***@example.com"},
		{"ليلى@example.ae", "ل***@example.ae"}, // the first rune, not a byte of it
		{"@example.com", "***@example.com"},
		{"\xff\xfe@example.com", "***@example.com"}, // not UTF-8
		{"a@b@evil.com", "***@evil.com"},
		{"layla@", "l***@"},
		{"", "***"},
		{"+971501234567", "***67"},
		{"+9715", "***15"},
		{"1234", "***"},
		{"layla", "***la"}, // no '@': treated as a number, two characters left
	} {
		if got := MaskAddress(c.in); got != c.want {
			t.Errorf("MaskAddress(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
