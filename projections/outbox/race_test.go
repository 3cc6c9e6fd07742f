//go:build race

package outbox_test

// raceBuild: the race detector slows kfake and kafka-go about tenfold.
const raceBuild = true
