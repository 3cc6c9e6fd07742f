package cache_test

import (
	"testing"

	"github.com/souq-market/souq/internal/cache"
	"github.com/souq-market/souq/internal/cache/cachetest"
)

func TestMemory(t *testing.T) {
	cachetest.Run(t, func(*testing.T) cache.Cache { return cache.NewMemory(nil) })
}
