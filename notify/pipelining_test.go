package notify_test

import (
	"context"
	"net"
	"net/textproto"
	"strings"
	"testing"

	"duban/notify"
)

// TestSMTPEndsATransactionWhoseDataWasAcceptedAfterARefusal talks to a
// server that breaks RFC 2920: it answers a pipelined DATA with 354 although
// it refused the only recipient (go-smtp, behind smtptest, answers 554 as it
// should). The transport must end that transaction with an empty message,
// report the refusal, and send the next message on the same session.
func TestSMTPEndsATransactionWhoseDataWasAcceptedAfterARefusal(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	served := make(chan []string, 1)
	go func() { served <- serveLenientSMTP(ln) }()

	tr, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		TLS: notify.TLSNone, Timeout: waitTimeout, HeloName: "duban.test"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Send(context.Background(), message(t, 1, "nobody@example.org"))
	temporary, reply := notify.Classify(err)
	if err == nil || temporary || reply != "550 5.1.1 no such user" {
		t.Fatalf("Send = %v (temporary %v, reply %q); want the permanent 550", err, temporary, reply)
	}
	if _, err := tr.Send(context.Background(), message(t, 2, "a@example.org")); err != nil {
		t.Fatalf("next message on the same session: %v", err)
	}
	tr.Close()
	got := <-served
	if want := []string{"empty message", "message to <a@example.org>"}; strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("server saw %q, want %q", got, want)
	}
}

// serveLenientSMTP serves one session: it offers PIPELINING, refuses
// RCPT TO:<nobody@…> but answers DATA with 354 all the same, and reports
// the messages it got (an empty one, or one to the recipient it took).
func serveLenientSMTP(ln net.Listener) []string {
	var got []string
	conn, err := ln.Accept()
	if err != nil {
		return got
	}
	defer conn.Close()
	text := textproto.NewConn(conn)
	reply := func(lines ...string) {
		for _, l := range lines {
			_, _ = text.W.WriteString(l + "\r\n")
		}
		_ = text.W.Flush()
	}
	reply("220 lenient.test ESMTP")
	rcpt := ""
	for {
		line, err := text.ReadLine()
		if err != nil {
			return got
		}
		verb, arg, _ := strings.Cut(line, ":")
		switch {
		case strings.HasPrefix(line, "EHLO"):
			reply("250-lenient.test", "250-PIPELINING", "250 8BITMIME")
		case verb == "MAIL FROM", line == "RSET":
			rcpt = ""
			reply("250 2.0.0 ok")
		case verb == "RCPT TO" && strings.Contains(arg, "nobody@"):
			reply("550 5.1.1 no such user")
		case verb == "RCPT TO":
			rcpt = arg
			reply("250 2.0.0 ok")
		case line == "DATA":
			reply("354 go ahead")
			body, err := text.ReadDotBytes()
			if err != nil {
				return got
			}
			if rcpt == "" {
				got = append(got, map[bool]string{true: "empty message", false: "message without recipient"}[len(body) == 0])
				reply("554 5.5.1 no valid recipients")
				continue
			}
			got = append(got, "message to "+rcpt)
			reply("250 2.0.0 queued")
		case line == "QUIT":
			reply("221 2.0.0 bye")
			return got
		default:
			reply("502 5.5.2 unknown command")
		}
	}
}
