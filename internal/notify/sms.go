package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// SMSNotifier sends text messages through a Twilio-style Messages API:
// POST URL with a form of To, Body and From (or MessagingServiceSid),
// HTTP basic auth "account SID:auth token", 201 with the message's sid.
//
// URL is the messages endpoint, e.g.
// https://api.twilio.com/2010-04-01/Accounts/AC…/Messages.json; its query
// parameters From and MessagingServiceSid name the sender and are moved
// into the form (so one URL configures the whole provider). Key is
// "SID:token".
type SMSNotifier struct {
	endpoint string
	sender   url.Values
	user     string
	pass     string
	client   *http.Client
}

// NewSMS checks the URL and key. client may be nil (15 s timeout).
func NewSMS(rawURL, key string, client *http.Client) (*SMSNotifier, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("notify: SMS URL %q: want an http(s) URL", rawURL)
	}
	user, pass, ok := strings.Cut(key, ":")
	if !ok || user == "" || pass == "" {
		return nil, fmt.Errorf("notify: SMS key: want SID:token")
	}
	q := u.Query()
	sender := url.Values{}
	for _, k := range []string{"From", "MessagingServiceSid"} {
		if v := q.Get(k); v != "" {
			sender.Set(k, v)
			q.Del(k)
		}
	}
	if len(sender) == 0 {
		return nil, fmt.Errorf("notify: SMS URL %q: add ?From=<number> or ?MessagingServiceSid=<sid>", rawURL)
	}
	u.RawQuery = q.Encode()
	return &SMSNotifier{endpoint: u.String(), sender: sender, user: user, pass: pass, client: client}, nil
}

func (*SMSNotifier) Channel() Channel { return SMS }

// Send implements Notifier.
func (n *SMSNotifier) Send(ctx context.Context, m Message) error {
	form := url.Values{"To": {m.To}, "Body": {m.Body}}
	for k, v := range n.sender {
		form[k] = v
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("notify: sms: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// Twilio ignores it; providers that deduplicate honour it.
	req.Header.Set("Idempotency-Key", m.Key)
	req.SetBasicAuth(n.user, n.pass)
	body, err := post(ctx, n.client, req, "sms")
	if err != nil {
		return err
	}
	var ack struct {
		SID string `json:"sid"`
	}
	if json.Unmarshal(body, &ack) != nil || ack.SID == "" {
		// Acknowledged but unreadable: the message may have gone; retrying
		// risks a duplicate, which beats a lost notification.
		return fmt.Errorf("notify: sms: acknowledgement without a sid: %.200s", body)
	}
	return nil
}
