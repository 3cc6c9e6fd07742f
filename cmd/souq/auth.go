package main

import (
	"fmt"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/config"
)

// verifier builds the write API's token verifier: an external issuer's
// JWKS when configured, else souq's own HS256 secret, configured or
// generated into the data dir on first start.
func verifier(cfg config.Config) (auth.Verifier, error) {
	opts := auth.Options{Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience}
	if cfg.JWKSURL != "" {
		return auth.NewJWKS(cfg.JWKSURL, nil, opts)
	}
	secret := []byte(cfg.JWTSecret)
	if len(secret) == 0 {
		var err error
		if secret, err = auth.LoadOrCreateSecret(cfg.DataDir); err != nil {
			return nil, fmt.Errorf("token secret: %w", err)
		}
	}
	return auth.NewHMAC(secret, opts)
}
