package postgres_test

import (
	"fmt"
	"testing"

	"github.com/souq-market/souq/eventstore/integrity/integritytest"
	"github.com/souq-market/souq/eventstore/postgres"
)

// BenchmarkHashingCost: appends with tamper evidence against the same store
// without it (no digests, no chaining in append_batch), in the same run.
func BenchmarkHashingCost(b *testing.B) {
	for _, perCommand := range []int{1, 10} {
		for _, writers := range []int{1, 64} {
			b.Run(fmt.Sprintf("events=%d/writers=%d", perCommand, writers), func(b *testing.B) {
				hashed := newEnv(b).open(b, postgres.Options{IntegrityKey: integritytest.Key})
				plain := newEnv(b).open(b, postgres.WithoutIntegrity(postgres.Options{}))
				integritytest.BenchAppendCost(b, hashed, plain, writers, perCommand)
			})
		}
	}
}

// BenchmarkVerify: VerifyIntegrity over SOUQ_BENCH_EVENTS events (default 20,000).
func BenchmarkVerify(b *testing.B) {
	integritytest.BenchVerify(b, newEnv(b).open(b, postgres.Options{IntegrityKey: integritytest.Key}))
}
