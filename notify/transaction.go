package notify

import (
	"bytes"
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/wneessen/go-mail/smtp"
)

// transact runs one mail transaction on conn: MAIL, RCPT, DATA and the
// rendered message, which it only copies onto the wire. It speaks through
// go-mail's SMTP client and its textproto connection rather than go-mail's
// Send, which would render the message anew between the server's replies
// and send every command on its own.
func (s *SMTP) transact(conn *pooledConn, m *Message) (reply string, keep bool, err error) {
	// The deadline set at the last use has passed if the connection idled
	// longer than the timeout: renew it for this message.
	if err := conn.c.UpdateDeadline(s.timeout); err != nil {
		return "", false, fmt.Errorf("notify: smtp: %w", err)
	}
	if strings.ContainsAny(m.From+m.To, "\r\n") {
		return "", true, Permanent(errors.New("notify: smtp: envelope address contains a line break"))
	}
	if ok, _ := conn.c.Extension("PIPELINING"); ok && s.pipelining {
		return pipelinedTransaction(conn.c, m)
	}
	if err := conn.c.Mail(m.From); err != nil {
		return "", s.resetAfter(conn, err), &stepError{step: stepMail, err: err}
	}
	if err := conn.c.Rcpt(m.To); err != nil {
		return "", s.resetAfter(conn, err), &stepError{step: stepRcpt, err: err}
	}
	if err := startData(conn.c.Text); err != nil {
		return "", s.resetAfter(conn, err), &stepError{step: stepData, err: err}
	}
	return writeMessage(conn.c.Text, m)
}

// startData sends DATA and reads the server's 354.
func startData(text *textproto.Conn) error {
	id, err := text.Cmd("DATA")
	if err != nil {
		return err
	}
	text.StartResponse(id)
	defer text.EndResponse(id)
	_, _, err = text.ReadResponse(354)
	return err
}

// pipelinedTransaction sends MAIL, RCPT and DATA in one write and reads
// their three replies (RFC 2920), then the message: two round trips a
// message instead of four, and fewer wake-ups of the server and of duban.
func pipelinedTransaction(c *smtp.Client, m *Message) (reply string, keep bool, err error) {
	text := c.Text
	_, _ = text.W.WriteString("MAIL FROM:" + m.From + mailParameters(c) + "\r\n" +
		"RCPT TO:" + m.To + "\r\n" + "DATA\r\n")
	if err := text.W.Flush(); err != nil {
		// Nothing of the message went out: a connection closed while idle.
		return "", false, &stepError{step: stepMail, err: err}
	}
	var refused *stepError
	keep = true
	dataAccepted := false
	for _, step := range [...]struct {
		name   string
		expect int
	}{{stepMail, 250}, {stepRcpt, 25}, {stepData, 354}} {
		_, _, err := text.ReadResponse(step.expect)
		switch {
		case err == nil:
			dataAccepted = step.name == stepData
		case replyCode(err) == 0:
			return "", false, &stepError{step: step.name, err: err}
		default:
			keep = keep && keepAfter(err)
			if refused == nil {
				refused = &stepError{step: step.name, err: err}
			}
		}
	}
	if refused == nil {
		return writeMessage(text, m)
	}
	if dataAccepted {
		// The server took DATA although it refused the envelope: an empty
		// message ends the transaction.
		keep = keep && endEmptyMessage(text)
	} else {
		keep = keep && c.Reset() == nil
	}
	return "", keep, refused
}

// Steps of a mail transaction, as errors name them.
const (
	stepMail = "MAIL FROM"
	stepRcpt = "RCPT TO"
	stepData = "DATA"
)

// mailParameters are the MAIL FROM parameters go-mail's client sends for
// the server's extensions.
func mailParameters(c *smtp.Client) string {
	params := ""
	if ok, _ := c.Extension("8BITMIME"); ok {
		params += " BODY=8BITMIME"
	}
	if ok, _ := c.Extension("SMTPUTF8"); ok {
		params += " SMTPUTF8"
	}
	return params
}

// writeMessage sends the message after the server's 354 and reads its
// reply.
func writeMessage(text *textproto.Conn, m *Message) (reply string, keep bool, err error) {
	if err := writeDotStuffed(text, m.Data); err != nil {
		return "", false, &stepError{step: "write message", err: err}
	}
	_, response, err := text.ReadResponse(250)
	if err != nil {
		// The reply to the message ends the transaction, refused or not.
		return "", keepAfter(err), &stepError{step: "end of message", err: err}
	}
	return strings.TrimSpace("250 " + response), true, nil
}

// writeDotStuffed writes data as the DATA section of a transaction: a dot
// doubled at the start of every line, then the lone dot that ends it. A
// rendered message has CRLF line ends only, so the dots to double are
// found with bytes.Index and the lines in between copied whole;
// textproto's DotWriter, which would take the message a byte at a time,
// is for anything else.
func writeDotStuffed(text *textproto.Conn, data []byte) error {
	if !crlfOnly(data) {
		w := text.DotWriter()
		_, err := w.Write(data)
		if closeErr := w.Close(); err == nil {
			err = closeErr
		}
		return err
	}
	w := text.W
	if len(data) > 0 && data[0] == '.' {
		_ = w.WriteByte('.')
	}
	for {
		i := bytes.Index(data, crlfDot)
		if i < 0 {
			break
		}
		_, _ = w.Write(data[:i+3]) // through the dot, which is then doubled
		data = data[i+2:]
	}
	_, _ = w.Write(data)
	if len(data) > 0 && !bytes.HasSuffix(data, crlf) {
		_, _ = w.Write(crlf)
	}
	_, _ = w.WriteString(".\r\n")
	return w.Flush()
}

var (
	crlf    = []byte("\r\n")
	crlfDot = []byte("\r\n.")
)

// crlfOnly tells whether every line break in data is CRLF.
func crlfOnly(data []byte) bool {
	return bytes.Count(data, []byte("\n")) == bytes.Count(data, crlf) &&
		bytes.Count(data, []byte("\r")) == bytes.Count(data, crlf)
}

// endEmptyMessage ends a transaction whose DATA the server accepted after
// refusing its envelope, and tells whether the session survived.
func endEmptyMessage(text *textproto.Conn) bool {
	_, _ = text.W.WriteString(".\r\n")
	if text.W.Flush() != nil {
		return false
	}
	_, _, err := text.ReadResponse(0)
	return err == nil || keepAfter(err)
}

// stepError is a failed step of a mail transaction: the server's reply (a
// *textproto.Error), or what broke the connection.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return "notify: smtp: " + e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// resetAfter ends a transaction the server refused part of, so that the
// next message starts afresh, and tells whether conn is fit for it.
func (s *SMTP) resetAfter(conn *pooledConn, err error) bool {
	return keepAfter(err) && conn.c.Reset() == nil
}

// keepAfter tells whether a connection survives a failed step: after a
// 4xx/5xx reply the session goes on, except after 421, which announces the
// server closes it; after any other failure it is broken.
func keepAfter(err error) bool {
	code := replyCode(err)
	return code >= 400 && code != 421
}

// replyCode is the code of the server's reply err carries, 0 when none.
func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// isStaleConn recognises a connection the server closed: MAIL FROM, the
// first command of a message, failed without a reply. Nothing of the
// message went out on it.
func isStaleConn(err error) bool {
	var se *stepError
	return errors.As(err, &se) && se.step == stepMail && replyCode(err) == 0
}
