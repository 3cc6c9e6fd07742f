package config

import "strings"

// setS3Endpoint reads SOUQ_S3_ENDPOINT: the URL of an S3-compatible server
// (https://minio:9000; http:// on a private network). Empty keeps blobs in
// the data dir.
func setS3Endpoint(c *Config, v string) string {
	c.S3Endpoint = strings.TrimSpace(v)
	if c.S3Endpoint == "" {
		return ""
	}
	return urlProblem(c.S3Endpoint, []string{"http", "https"}, "https://minio:9000")
}

// blobProblems: an S3 endpoint needs its bucket and both keys.
func blobProblems(c Config) []Problem {
	if c.S3Endpoint == "" {
		return nil
	}
	var out []Problem
	for _, s := range [][2]string{{"SOUQ_S3_BUCKET", c.S3Bucket}, {"SOUQ_S3_ACCESS_KEY", c.S3AccessKey}, {"SOUQ_S3_SECRET_KEY", c.S3SecretKey}} {
		if s[1] == "" {
			out = append(out, Problem{Source: s[0], Reason: "required when SOUQ_S3_ENDPOINT is set", Unset: true})
		}
	}
	return out
}

// setS3AccessKey reads SOUQ_S3_ACCESS_KEY: empty unless S3 is on
// (blobProblems), visible ASCII otherwise.
func setS3AccessKey(c *Config, v string) string {
	c.S3AccessKey = v
	if len(v) > 128 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return "must be at most 128 visible ASCII characters"
	}
	return ""
}
