package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// health is the probe of container health checks: GET a URL, succeed on 200.
func health(ctx context.Context, env environment, args []string) int {
	url := "http://127.0.0.1:8080/healthz"
	switch len(args) {
	case 0:
	case 1:
		url = args[0]
	default:
		fmt.Fprintln(env.stderr, "souq health: want at most one URL")
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(env.stderr, "souq health: %v\n", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(env.stderr, "souq health: %v\n", err)
		return exitFailure
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(env.stderr, "souq health: %s answered %s\n", url, resp.Status)
		return exitFailure
	}
	return exitOK
}
