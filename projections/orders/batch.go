package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/souq-market/souq/projections"
)

// batch is the part of the view one batch of events touches, held in
// memory: read with one query per table before the events are applied,
// written back after with one multi-row insert of new rows and one upsert
// of changed ones per table. Applying an event is then arithmetic on these
// rows, so a batch costs a fixed number of
// round trips however many events it holds (one statement per event made
// a rebuild on PostgreSQL as slow as the network's round trip). The rows
// written are exactly those the per-event statements wrote: the same
// columns computed by the same rules, in event order.
type batch struct {
	tx     *projections.Tx
	orders map[string]*orderRow
	subs   map[string][]*subRow // by order, in sub-order ID order
	pays   map[string]*payRow
	byOrd  map[string][]*payRow // payments by order
	ships  map[string]*shipRow
	steps  []step
}

type orderRow struct {
	id, customer                             string
	placedAt                                 int64
	status, paymentStatus, fulfilment        string
	country, method, currency                string
	subtotal, discount, shipping, vat, total int64
	wallet, due, cashback                    int64
	captured, refunded, chargedBack, items   int64
	lines                                    string
	updatedAt                                int64
	dirty, fresh                             bool // changed; created by this batch (see flush)
}

type subRow struct {
	orderID, subID, vendor, status string
	total, commission              int64
	lines, shipmentID, reason      string
	updatedAt                      int64
	dirty, fresh                   bool
}

type payRow struct {
	id, orderID, method, provider, status, currency string
	amount, captured, refunded, chargedBack         int64
	initiatedAt                                     int64
	dirty, fresh                                    bool
}

type shipRow struct {
	id, orderID, subID, carrier, tracking, status string
	updatedAt                                     int64
	dirty, fresh                                  bool
}

type step struct {
	orderID, eventID string
	seq, at          int64
	typ, detail      string
}

// The columns of each table, in the order rows are scanned and written;
// keys first.
var (
	orderCols = []string{"order_id", "customer_id", "placed_at", "status", "payment_status", "fulfilment", "country", "payment_method",
		"currency", "subtotal", "discount", "shipping", "vat", "total", "wallet", "due", "cashback", "captured", "refunded",
		"charged_back", "items", "lines", "updated_at"}
	subCols = []string{"order_id", "sub_order_id", "vendor_id", "status", "total", "commission", "lines", "shipment_id",
		"cancel_reason", "updated_at"}
	payCols = []string{"payment_id", "order_id", "method", "provider", "status", "currency", "amount", "captured", "refunded",
		"charged_back", "initiated_at"}
	shipCols = []string{"shipment_id", "order_id", "sub_order_id", "carrier", "tracking_number", "status", "updated_at"}
	stepCols = []string{"order_id", "event_id", "seq", "at", "type", "detail"}
)

func (o *orderRow) fields() []any {
	return []any{&o.id, &o.customer, &o.placedAt, &o.status, &o.paymentStatus, &o.fulfilment, &o.country, &o.method,
		&o.currency, &o.subtotal, &o.discount, &o.shipping, &o.vat, &o.total, &o.wallet, &o.due, &o.cashback, &o.captured,
		&o.refunded, &o.chargedBack, &o.items, &o.lines, &o.updatedAt}
}

func (s *subRow) fields() []any {
	return []any{&s.orderID, &s.subID, &s.vendor, &s.status, &s.total, &s.commission, &s.lines, &s.shipmentID, &s.reason, &s.updatedAt}
}

func (p *payRow) fields() []any {
	return []any{&p.id, &p.orderID, &p.method, &p.provider, &p.status, &p.currency, &p.amount, &p.captured, &p.refunded,
		&p.chargedBack, &p.initiatedAt}
}

func (s *shipRow) fields() []any {
	return []any{&s.id, &s.orderID, &s.subID, &s.carrier, &s.tracking, &s.status, &s.updatedAt}
}

func (s *step) fields() []any {
	return []any{&s.orderID, &s.eventID, &s.seq, &s.at, &s.typ, &s.detail}
}

// keys are the IDs a batch's events name, to load before applying them.
type keys struct {
	orders, payments, shipments map[string]bool
}

func newKeys() keys {
	return keys{orders: map[string]bool{}, payments: map[string]bool{}, shipments: map[string]bool{}}
}

// load reads every row the events may touch: the payments and shipments
// they name (which name further orders), then those orders with all their
// sub-orders and payments (a roll-up needs every attempt). Sub-orders and
// payments of orders not projected yet are none: placing an order writes
// its sub-orders, and payments projected before their order hang on it by
// order ID.
func load(ctx context.Context, tx *projections.Tx, k keys) (*batch, error) {
	b := &batch{tx: tx, orders: map[string]*orderRow{}, subs: map[string][]*subRow{}, pays: map[string]*payRow{},
		byOrd: map[string][]*payRow{}, ships: map[string]*shipRow{}}
	err := errors.Join(
		selectRows(ctx, tx, "{order_payments}", payCols, "payment_id", k.payments, (*payRow).fields,
			func(p *payRow) { k.orders[p.orderID] = true }),
		selectRows(ctx, tx, "{order_shipments}", shipCols, "shipment_id", k.shipments, (*shipRow).fields,
			func(s *shipRow) { b.ships[s.id] = s }))
	if err == nil {
		err = errors.Join(
			selectRows(ctx, tx, "{orders}", orderCols, "order_id", k.orders, (*orderRow).fields,
				func(o *orderRow) { b.orders[o.id] = o }),
			selectRows(ctx, tx, "{order_suborders}", subCols, "order_id", k.orders, (*subRow).fields,
				func(s *subRow) { b.subs[s.orderID] = append(b.subs[s.orderID], s) }),
			selectRows(ctx, tx, "{order_payments}", payCols, "order_id", k.orders, (*payRow).fields, b.addPay))
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// selectRows reads the rows of table whose col is one of ids into new
// values of R (scanned through fields) and hands each to add.
func selectRows[R any](ctx context.Context, tx *projections.Tx, table string, cols []string, col string, ids map[string]bool,
	fields func(*R) []any, add func(*R)) error {
	err := selectIn(ctx, tx, table, cols, col, ids, func(scan func(...any) error) error {
		r := new(R)
		if err := scan(fields(r)...); err != nil {
			return err
		}
		add(r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load %s by %s: %w", strings.Trim(table, "{}"), col, err)
	}
	return nil
}

func (b *batch) addPay(p *payRow) {
	b.pays[p.id] = p
	b.byOrd[p.orderID] = append(b.byOrd[p.orderID], p)
}

// maxParams bounds the parameters of one statement: SQLite allows 32,766,
// PostgreSQL 65,535.
const maxParams = 30000

// selectIn runs SELECT cols FROM table WHERE col IN (ids) and hands each
// row to row. On PostgreSQL the IDs go as one array parameter (= ANY), so
// the statement's text never changes and stays prepared; SQLite, in
// process, takes them as an IN list in chunks.
func selectIn(ctx context.Context, tx *projections.Tx, table string, cols []string, col string, ids map[string]bool,
	row func(scan func(...any) error) error) error {
	if len(ids) == 0 {
		return nil
	}
	head := "SELECT " + strings.Join(cols, ", ") + " FROM " + table + " WHERE " + col
	var queries []string
	var args [][]any
	if tx.Dialect().Name() == "postgres" {
		all := make([]string, 0, len(ids))
		for id := range ids {
			all = append(all, id)
		}
		queries, args = []string{head + " = ANY(?)"}, [][]any{{all}}
	} else {
		all := make([]any, 0, len(ids))
		for id := range ids {
			all = append(all, id)
		}
		for chunk := range slices.Chunk(all, 1000) {
			queries, args = append(queries, head+" IN ("+placeholders(len(chunk))+")"), append(args, chunk)
		}
	}
	for i, q := range queries {
		rows, err := tx.Query(ctx, q, args[i]...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := row(rows.Scan); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// placeholders is "?, ?, …" n times.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// flush writes the rows the batch changed. A row the batch created (fresh)
// is known not to be in the table: load looked for it by key in this
// transaction, and no other writer runs meanwhile (the runner's checkpoint
// claim, or a rebuild's shadow nobody else writes). Those go in with a plain
// INSERT, which costs PostgreSQL about a third of an INSERT … ON CONFLICT;
// rows loaded and changed are upserted. The timeline only ever gains steps,
// one per event, and an event is applied once, so its rows are all fresh.
// With large batches (a rebuild's) most orders start and end within one
// batch, so nearly everything is a plain insert.
func (b *batch) flush(ctx context.Context) error {
	var w [5]tableWrite
	w[0] = tableWrite{table: "{orders}", cols: orderCols, key: 1}
	w[1] = tableWrite{table: "{order_suborders}", cols: subCols, key: 2}
	w[2] = tableWrite{table: "{order_payments}", cols: payCols, key: 1}
	w[3] = tableWrite{table: "{order_shipments}", cols: shipCols, key: 1}
	w[4] = tableWrite{table: "{order_timeline}", cols: stepCols, key: 2}
	for _, o := range b.orders {
		w[0].add(o.fresh, o.dirty, o.fields)
	}
	for _, list := range b.subs {
		for _, s := range list {
			w[1].add(s.fresh, s.dirty, s.fields)
		}
	}
	for _, p := range b.pays {
		w[2].add(p.fresh, p.dirty, p.fields)
	}
	for _, s := range b.ships {
		w[3].add(s.fresh, s.dirty, s.fields)
	}
	for i := range b.steps {
		w[4].add(true, true, b.steps[i].fields)
	}
	for _, t := range w {
		err := write(ctx, b.tx, t.table, t.cols, t.inserts, "")
		if err == nil {
			err = write(ctx, b.tx, t.table, t.cols, t.updates, upsertClause(t.cols, t.key))
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", strings.Trim(t.table, "{}"), err)
		}
	}
	return nil
}

// tableWrite is what flush writes to one table.
type tableWrite struct {
	table            string
	cols             []string
	key              int     // leading key columns
	inserts, updates [][]any // rows as pointers to their values
}

func (t *tableWrite) add(fresh, dirty bool, fields func() []any) {
	switch {
	case fresh:
		t.inserts = append(t.inserts, fields())
	case dirty:
		t.updates = append(t.updates, fields())
	}
}

// upsertClause replaces every non-key column of a row already stored.
func upsertClause(cols []string, key int) string {
	set := make([]string, 0, len(cols)-key)
	for _, c := range cols[key:] {
		set = append(set, c+" = excluded."+c)
	}
	return " ON CONFLICT (" + strings.Join(cols[:key], ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
}

// write inserts rows (pointers to their values), followed by conflict (an
// ON CONFLICT clause, or "" for rows known to be new). On PostgreSQL one
// INSERT … SELECT FROM unnest(one array per column), whose text is fixed,
// so it is prepared once and never planned again for another row count; on
// SQLite multi-row VALUES in chunks.
func write(ctx context.Context, tx *projections.Tx, table string, cols []string, rows [][]any, conflict string) error {
	if len(rows) == 0 {
		return nil
	}
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") "
	if tx.Dialect().Name() == "postgres" {
		arrays := make([]any, len(cols))
		casts := make([]string, len(cols))
		for i := range cols {
			switch rows[0][i].(type) {
			case *string:
				a := make([]string, len(rows))
				for j, r := range rows {
					a[j] = *r[i].(*string)
				}
				arrays[i], casts[i] = a, "?::text[]"
			default:
				a := make([]int64, len(rows))
				for j, r := range rows {
					a[j] = *r[i].(*int64)
				}
				arrays[i], casts[i] = a, "?::bigint[]"
			}
		}
		_, err := tx.Exec(ctx, head+"SELECT * FROM unnest("+strings.Join(casts, ", ")+")"+conflict, arrays...)
		return err
	}
	tuple := "(" + placeholders(len(cols)) + ")"
	per := maxParams / len(cols)
	for chunk := range slices.Chunk(rows, per) {
		var q strings.Builder
		q.WriteString(head + "VALUES ")
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(tuple)
			for _, v := range r {
				args = append(args, deref(v))
			}
		}
		q.WriteString(conflict)
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// deref turns a field pointer back into its value for a statement.
func deref(v any) any {
	switch p := v.(type) {
	case *string:
		return *p
	case *int64:
		return *p
	}
	panic(fmt.Sprintf("orders: a row field of type %T", v))
}
