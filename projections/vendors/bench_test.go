package vendors

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/souq-market/souq/projections/vendors/market"
	"github.com/souq-market/souq/projections/vendors/vendorq"
	"github.com/souq-market/souq/projections/viewtest"
)

// BenchmarkDashboard reads a vendor dashboard after about 100,000 events,
// and as the baseline, in the same loop on the same database and pool, one
// row by primary key (the vendor's profile). It reports both latencies'
// p50 and p99 and their ratios.
//
//	go test -run '^$' -bench Dashboard -benchtime 2000x -count 5 ./projections/vendors/
func BenchmarkDashboard(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			db := viewtest.SQLite(b)
			if backend == "postgres" {
				db = viewtest.Postgres(b)
			}
			st := viewtest.NewStore(b)
			market.History(b, st, 99, 11200)
			h, err := st.Head(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			viewtest.Project(b, db, st, New())
			r := vendorq.New(db.R, db.Rebind)
			ctx := context.Background()
			q := vendorq.Query{From: market.Start, To: market.Start.AddDate(0, 0, 29), Threshold: 20}
			pk := db.Rebind(`SELECT name, currency, status FROM vendor_profiles WHERE vendor_id = ?`)
			b.Run("read", func(b *testing.B) {
				base := make([]time.Duration, 0, b.N)
				dash := make([]time.Duration, 0, b.N)
				var days int
				for i := range b.N {
					v := []string{"v-0", "v-1", "v-2", "v-3"}[i%4]
					t0 := time.Now()
					var name, cur, status string
					if err := db.R.QueryRowContext(ctx, pk, v).Scan(&name, &cur, &status); err != nil {
						b.Fatal(err)
					}
					t1 := time.Now()
					d, err := r.Dashboard(ctx, v, q)
					if err != nil {
						b.Fatal(err)
					}
					base, dash = append(base, t1.Sub(t0)), append(dash, time.Since(t1))
					days = len(d.Days)
				}
				if days == 0 {
					b.Fatal("the dashboard shows no day: the range misses the history")
				}
				p := func(xs []time.Duration, q float64) float64 {
					slices.Sort(xs)
					return float64(xs[min(len(xs)-1, int(q*float64(len(xs))))].Microseconds())
				}
				b50, b99, d50, d99 := p(base, 0.50), p(base, 0.99), p(dash, 0.50), p(dash, 0.99)
				b.ReportMetric(float64(h), "events")
				b.ReportMetric(d50, "dash-p50-µs")
				b.ReportMetric(d99, "dash-p99-µs")
				b.ReportMetric(b50, "pk-p50-µs")
				b.ReportMetric(b99, "pk-p99-µs")
				b.ReportMetric(d50/max(b50, 1), "p50-ratio")
				b.ReportMetric(d99/max(b99, 1), "p99-ratio")
			})
		})
	}
}
