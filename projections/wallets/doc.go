// Package wallets is the wallets read model: per wallet its balances
// (available, held, cashback pending), taken from the customer sides of
// each double-entry posting, and a statement with the running balance after
// every posting. Its reader lives in walletq.
//
// It may import domain, the eventstore port and projections.
package wallets
