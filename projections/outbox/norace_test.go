//go:build !race

package outbox_test

const raceBuild = false
