package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// WhatsAppNotifier sends text messages through Meta's WhatsApp Cloud API:
// POST https://graph.facebook.com/<version>/<phone number ID>/messages with
// a bearer access token and
//
//	{"messaging_product":"whatsapp","recipient_type":"individual","to":"9715…","type":"text","text":{"body":"…"}}
//
// answered by {"messages":[{"id":"wamid…"}]}. URL is that endpoint, Key
// the access token.
type WhatsAppNotifier struct {
	endpoint, token string
	client          *http.Client
}

// NewWhatsApp checks the URL and key. client may be nil (15 s timeout).
func NewWhatsApp(rawURL, key string, client *http.Client) (*WhatsAppNotifier, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("notify: WhatsApp URL %q: want an http(s) URL", rawURL)
	}
	if key == "" {
		return nil, fmt.Errorf("notify: WhatsApp key: want the access token")
	}
	return &WhatsAppNotifier{endpoint: u.String(), token: key, client: client}, nil
}

func (*WhatsAppNotifier) Channel() Channel { return WhatsApp }

type waText struct {
	Body string `json:"body"`
}

type waMessage struct {
	Product       string `json:"messaging_product"`
	RecipientType string `json:"recipient_type"`
	To            string `json:"to"`
	Type          string `json:"type"`
	Text          waText `json:"text"`
}

// Send implements Notifier.
func (n *WhatsAppNotifier) Send(ctx context.Context, m Message) error {
	// The Cloud API takes the number with its country code, without "+".
	payload, err := json.Marshal(waMessage{
		Product: "whatsapp", RecipientType: "individual", To: strings.TrimPrefix(m.To, "+"),
		Type: "text", Text: waText{Body: m.Body},
	})
	if err != nil {
		return fmt.Errorf("notify: whatsapp: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.endpoint, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("notify: whatsapp: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+n.token)
	body, err := post(ctx, n.client, req, "whatsapp")
	if err != nil {
		return err
	}
	var ack struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if json.Unmarshal(body, &ack) != nil || len(ack.Messages) == 0 || ack.Messages[0].ID == "" {
		return fmt.Errorf("notify: whatsapp: acknowledgement without a message id: %.200s", body)
	}
	return nil
}
