// Package scratch rebuilds an SQL read model apart from the live one and
// compares the two row by row at the same position of the log: the read
// models' half of souq verify.
//
// A Window shows a store's log cut at a position (raisable), so a runner
// over a scratch database builds a view exactly as far as the live one got;
// souq replay feeds its windows through the same type. Views pairs the live
// read-model database with a scratch one (an SQLite file attached beside
// the live file, or a PostgreSQL schema beside the live schema) and Compare
// reports each missing, extra or differing row by table, key and column.
//
// It may import the eventstore port and projections; never commands, a
// store implementation or an API.
package scratch
