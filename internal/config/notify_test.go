package config

import (
	"strings"
	"testing"
)

func TestNotifySettings(t *testing.T) {
	load := func(env map[string]string) error {
		_, err := Load(Source{Getenv: func(k string) string { return env[k] }})
		return err
	}
	c, err := Load(Source{Getenv: func(k string) string {
		return map[string]string{
			"SOUQ_SMTP_URL":     "smtps://u:p@mail.example:465?from=orders@souq.example",
			"SOUQ_SMS_URL":      "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?From=%2B97140000000",
			"SOUQ_SMS_KEY":      "AC1234567890:token1234567890",
			"SOUQ_WHATSAPP_URL": "http://127.0.0.1:9999/v21.0/1/messages",
			"SOUQ_WHATSAPP_KEY": "EAAtoken1234567890",
		}[k]
	}})
	if err != nil || c.SMTPURL == "" || c.SMSKey == "" || c.WhatsAppURL == "" {
		t.Fatalf("a full notify configuration: %v %+v", err, c)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SOUQ_SMTP_URL": "smtp://mail.example:587"}, "SOUQ_SMTP_URL"},                                                   // no from
		{map[string]string{"SOUQ_SMTP_URL": "https://mail.example?from=a@b.c"}, "SOUQ_SMTP_URL"},                                           // not SMTP
		{map[string]string{"SOUQ_SMS_URL": "https://sms.example/m"}, "SOUQ_SMS_KEY"},                                                       // URL without key
		{map[string]string{"SOUQ_WHATSAPP_KEY": "EAAtoken1234567890"}, "SOUQ_WHATSAPP_URL"},                                                // key without URL
		{map[string]string{"SOUQ_WHATSAPP_URL": "http://graph.example/m", "SOUQ_WHATSAPP_KEY": "EAAtoken1234567890"}, "SOUQ_WHATSAPP_URL"}, // clear text off loopback
	} {
		if err := load(tc.env); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a problem naming %s", tc.env, err, tc.want)
		}
	}
}
