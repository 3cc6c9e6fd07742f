package sqlite_test

import (
	"fmt"
	"testing"

	"github.com/souq-market/souq/eventstore/integrity/integritytest"
	"github.com/souq-market/souq/eventstore/sqlite"
)

// BenchmarkHashingCost: appends with tamper evidence against the same store
// without it, in the same run.
func BenchmarkHashingCost(b *testing.B) {
	for _, perCommand := range []int{1, 10} {
		for _, writers := range []int{1, 64} {
			b.Run(fmt.Sprintf("events=%d/writers=%d", perCommand, writers), func(b *testing.B) {
				hashed := open(b, tempPath(b), sqlite.Options{IntegrityKey: integritytest.Key})
				plain := open(b, tempPath(b), sqlite.WithoutIntegrity(sqlite.Options{}))
				integritytest.BenchAppendCost(b, hashed, plain, writers, perCommand)
			})
		}
	}
}

// BenchmarkVerify: VerifyIntegrity over SOUQ_BENCH_EVENTS events (default
// 20,000), e.g. SOUQ_BENCH_EVENTS=1000000 go test -run '^$' -bench BenchmarkVerify -benchtime 1x ./eventstore/sqlite
func BenchmarkVerify(b *testing.B) {
	integritytest.BenchVerify(b, open(b, tempPath(b), sqlite.Options{IntegrityKey: integritytest.Key}))
}
