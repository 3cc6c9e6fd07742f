package notify

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// post sends req and classifies the answer: 2xx is an acknowledgement; 429
// and 5xx an outage (returned plain, to retry); any other status a refusal
// (ErrRejected). The provider's answer is kept short in the error.
func post(ctx context.Context, client *http.Client, req *http.Request, provider string) ([]byte, error) {
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("notify: %s: %w", provider, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("notify: %s: read answer: %w", provider, err)
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return body, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, fmt.Errorf("notify: %s: %s: %.200s", provider, resp.Status, body)
	}
	return nil, fmt.Errorf("%w: %s: %s: %.200s", ErrRejected, provider, resp.Status, body)
}
