// Package userq reads the users view: an account's profile and roles, and
// its address book with the default first-class. It names the view's
// tables.
//
// It imports only the standard library; dialect differences arrive as the
// dialect's Rebind function.
package userq
