// Package walletq reads the wallets view: a wallet's balances (available,
// held for checkouts, cashback pending) and its statement, newest first,
// with the running balance after each posting. It names the view's tables.
//
// It imports only the standard library; dialect differences arrive as the
// dialect's Rebind function.
package walletq
