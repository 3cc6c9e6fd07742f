package config

import (
	"os"
	"strings"
	"testing"
)

// The README's configuration reference is the operator's manual: every
// setting the binary accepts must be in it, by flag and by variable.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings(false) {
		if !strings.Contains(string(readme), "`"+s.env+"`") || !strings.Contains(string(readme), "`-"+s.flag+"`") {
			t.Errorf("README.md's configuration table lacks -%s / %s", s.flag, s.env)
		}
	}
}
