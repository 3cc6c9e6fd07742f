package config

import (
	"strconv"
	"strings"
)

// piiMasterKeySize is the size of SOUQ_PII_MASTER_KEY: an AES-256 key.
const piiMasterKeySize = 32

// setPIIMasterKey reads SOUQ_PII_MASTER_KEY, the key that wraps the
// customers' data keys in the keyring (internal/pii/keyring), as hex or
// base64. Kept decoded as text so that Config stays comparable. Empty: the
// data keys are stored unwrapped.
func setPIIMasterKey(c *Config, v string) string {
	c.PIIMasterKey = ""
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	key, ok := decodeKey(v, func(n int) bool { return n == piiMasterKeySize })
	if !ok {
		return "must be " + strconv.Itoa(piiMasterKeySize) + " bytes, in hex (64 digits) or base64 (44 characters)"
	}
	c.PIIMasterKey = string(key)
	return ""
}
