package main

import (
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"

	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/ratelimit"
	rlredis "github.com/souq-market/souq/internal/ratelimit/redis"
	"github.com/souq-market/souq/writeapi"
)

// frontDoor builds the write API's accounts and edge from the
// configuration: accounts and token issuing when souq signs its own tokens
// (an external JWKS issuer keeps its own accounts); the rate limit in Redis
// when SOUQ_REDIS_URL is set, else in process; CORS for the configured
// origins. rc is the process's one Redis client (redis.go), nil without
// SOUQ_REDIS_URL; its opener closes it.
func frontDoor(cfg config.Config, logger *slog.Logger, v auth.Verifier, rc *goredis.Client) (writeapi.Identity, writeapi.Edge, error) {
	var id writeapi.Identity
	if signer, ok := v.(writeapi.Signer); ok {
		pw, err := usercmd.NewPasswords(cfg.BcryptCost)
		if err != nil {
			return id, writeapi.Edge{}, err
		}
		id = writeapi.Identity{Signer: signer, Passwords: pw}
	}
	edge := writeapi.Edge{TrustedProxies: cfg.TrustedProxyList(), CORSOrigins: cfg.CORSOriginList(), Logger: logger}
	if cfg.RateLimit == 0 {
		logger.Warn("the write API's rate limit is off (SOUQ_RATE_LIMIT=0)")
		return id, edge, nil
	}
	edge.Policy = ratelimit.Policy{Limit: cfg.RateLimit, Window: time.Minute}
	if rc == nil {
		l, err := ratelimit.NewMemory(edge.Policy, nil)
		if err != nil {
			return id, edge, err
		}
		edge.Limiter = l
		return id, edge, nil
	}
	l, err := rlredis.New(rc, edge.Policy, "souq:ratelimit:")
	if err != nil {
		return id, edge, err
	}
	edge.Limiter = l
	logger.Info("rate limit shared in Redis", slog.Int("per_minute", cfg.RateLimit))
	return id, edge, nil
}
