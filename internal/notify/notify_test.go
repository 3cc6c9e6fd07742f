package notify

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
)

func TestRenderPicksLocaleAndFillsEveryField(t *testing.T) {
	d := Data{Name: "Mariam", OrderID: "o-1", Carrier: "aramex", Tracking: "TN9", Amount: "AED 10.00"}
	for _, k := range []Kind{OrderConfirmed, Shipped, OutForDelivery, Delivered, RefundIssued} {
		for _, l := range []Locale{English, Arabic} {
			subject, body, err := Render(k, l, d)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(subject+body, "%!") {
				t.Errorf("%s/%s: bad verb: %q %q", k, l, subject, body)
			}
			if !strings.Contains(subject+body, "o-1") {
				t.Errorf("%s/%s: no order ID: %q", k, l, body)
			}
			arabic := strings.ContainsRune(body, 'م')
			if arabic != (l == Arabic) {
				t.Errorf("%s/%s: body in the wrong language: %q", k, l, body)
			}
		}
	}
	_, body, _ := Render(Shipped, English, d)
	if !strings.Contains(body, "aramex") || !strings.Contains(body, "TN9") {
		t.Errorf("shipped lacks carrier or tracking: %q", body)
	}
	_, body, _ = Render(RefundIssued, Arabic, d)
	if !strings.Contains(body, "AED 10.00") {
		t.Errorf("refund lacks amount: %q", body)
	}
	if _, _, err := Render("nope", English, d); err == nil {
		t.Error("unknown kind rendered")
	}
	if LocaleOf("ar-AE") != Arabic || LocaleOf("en") != English || LocaleOf("") != English {
		t.Error("LocaleOf")
	}
}

func TestSMSRequestShapeAndFailures(t *testing.T) {
	var status int
	var got http.Request
	var form map[string][]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got, form = *r, r.PostForm
		w.WriteHeader(status)
		if status == http.StatusCreated {
			_, _ = io.WriteString(w, `{"sid":"SM123","status":"queued"}`)
		}
	}))
	defer srv.Close()
	n, err := NewSMS(srv.URL+"/2010-04-01/Accounts/AC1/Messages.json?From=%2B97140000000", "AC1:tok", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	status = http.StatusCreated
	if err := n.Send(context.Background(), Message{To: "+971501234567", Body: "مرحباً"}); err != nil {
		t.Fatal(err)
	}
	user, pass, _ := got.BasicAuth()
	if got.URL.Path != "/2010-04-01/Accounts/AC1/Messages.json" || got.URL.RawQuery != "" || user != "AC1" || pass != "tok" {
		t.Errorf("request %s?%s as %s:%s", got.URL.Path, got.URL.RawQuery, user, pass)
	}
	if form["To"][0] != "+971501234567" || form["From"][0] != "+97140000000" || form["Body"][0] != "مرحباً" {
		t.Errorf("form %v", form)
	}
	status = http.StatusServiceUnavailable
	if err := n.Send(context.Background(), Message{To: "+1", Body: "x"}); err == nil || errors.Is(err, ErrRejected) {
		t.Errorf("503: %v, want a retryable error", err)
	}
	status = http.StatusBadRequest
	if err := n.Send(context.Background(), Message{To: "+1", Body: "x"}); !errors.Is(err, ErrRejected) {
		t.Errorf("400: %v, want ErrRejected", err)
	}
	if _, err := NewSMS(srv.URL, "AC1:tok", nil); err == nil {
		t.Error("a URL without a sender was accepted")
	}
}

func TestWhatsAppRequestShape(t *testing.T) {
	var auth string
	var msg map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&msg)
		_, _ = io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"971501234567","wa_id":"971501234567"}],"messages":[{"id":"wamid.X"}]}`)
	}))
	defer srv.Close()
	n, err := NewWhatsApp(srv.URL+"/v21.0/1234/messages", "EAAtoken", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Send(context.Background(), Message{To: "+971501234567", Body: "hello"}); err != nil {
		t.Fatal(err)
	}
	if auth != "Bearer EAAtoken" || msg["messaging_product"] != "whatsapp" || msg["to"] != "971501234567" ||
		msg["type"] != "text" || msg["text"].(map[string]any)["body"] != "hello" {
		t.Errorf("auth %q body %v", auth, msg)
	}
}

// smtpServer is a tiny SMTP listener: it speaks just enough of RFC 5321
// for net/smtp (no STARTTLS, no AUTH) and records each message. failRcpt
// answers RCPT with that reply when set.
type smtpServer struct {
	mu       sync.Mutex
	ln       net.Listener
	msgs     []string
	rcpts    []string
	failRcpt string
}

func startSMTP(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { _, _ = io.WriteString(c, line+"\r\n") }
	say("220 test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT"):
			s.mu.Lock()
			fail := s.failRcpt
			s.rcpts = append(s.rcpts, strings.TrimSpace(line))
			s.mu.Unlock()
			if fail != "" {
				say(fail)
			} else {
				say("250 ok")
			}
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, b.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func TestSMTPSendsArabicMail(t *testing.T) {
	s := startSMTP(t)
	n, err := NewSMTP("smtp://"+s.ln.Addr().String()+"?from=souq%20%3Corders@souq.example%3E", nil)
	if err != nil {
		t.Fatal(err)
	}
	m := Message{To: "mariam@example.ae", Subject: "تم تأكيد طلبك", Body: "مرحباً مريم", Locale: Arabic, Key: "ev1:email"}
	if err := n.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.msgs) != 1 || !strings.Contains(s.rcpts[0], "<mariam@example.ae>") {
		t.Fatalf("got %d messages, rcpts %v", len(s.msgs), s.rcpts)
	}
	parsed, err := mail.ReadMessage(strings.NewReader(s.msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	raw, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, parsed.Body))
	if subject != m.Subject || string(raw) != m.Body || parsed.Header.Get("Content-Language") != "ar" {
		t.Errorf("subject %q body %q headers %v", subject, raw, parsed.Header)
	}
}

func TestSMTPClassifiesReplies(t *testing.T) {
	s := startSMTP(t)
	n, err := NewSMTP("smtp://"+s.ln.Addr().String()+"?from=orders@souq.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.failRcpt = "550 no such user"
	s.mu.Unlock()
	if err := n.Send(context.Background(), Message{To: "x@example.ae", Body: "b"}); !errors.Is(err, ErrRejected) {
		t.Errorf("550: %v, want ErrRejected", err)
	}
	s.mu.Lock()
	s.failRcpt = "451 try later"
	s.mu.Unlock()
	if err := n.Send(context.Background(), Message{To: "x@example.ae", Body: "b"}); err == nil || errors.Is(err, ErrRejected) {
		t.Errorf("451: %v, want a retryable error", err)
	}
	_ = s.ln.Close()
	if err := n.Send(context.Background(), Message{To: "x@example.ae", Body: "b"}); err == nil || errors.Is(err, ErrRejected) {
		t.Errorf("down: %v, want a retryable error", err)
	}
}
