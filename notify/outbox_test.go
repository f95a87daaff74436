package notify_test

import (
	"context"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wneessen/go-mail"

	"duban/notify"
)

func readDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestOutboxWritesParseableEML(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "outbox")
	ob, err := notify.NewOutbox(dir)
	if err != nil {
		t.Fatalf("NewOutbox: %v", err)
	}
	d := testDispatch("deadlines/20250616T010000Z/cwzcb@zgh.example.org", "cwzcb@zgh.example.org")
	m, id, err := notify.BuildMessage(testFrom, d)
	if err != nil {
		t.Fatal(err)
	}
	reply, err := ob.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	names := readDir(t, dir)
	if len(names) != 1 {
		t.Fatalf("outbox holds %v, want one file and no temp files", names)
	}
	name := names[0]
	hash := strings.Trim(strings.Split(id, "@")[0], "<")
	if name != "deadlines_20250616T010000Z_cwzcb@zgh.example.org-"+hash+".eml" {
		t.Errorf("file name = %q", name)
	}
	if reply != "written to "+filepath.Join(dir, name) {
		t.Errorf("reply = %q", reply)
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := netmail.ReadMessage(f)
	if err != nil {
		t.Fatalf("the .eml does not parse: %v", err)
	}
	if got := msg.Header.Get("Message-Id"); got != id {
		t.Errorf("Message-ID = %q, want %q", got, id)
	}
	if got := decodeHeader(t, msg.Header.Get("Subject")); got != d.Subject {
		t.Errorf("subject = %q", got)
	}

	// A retry of the same dispatch replaces the same file.
	m2, _, _ := notify.BuildMessage(testFrom, d)
	if _, err := ob.Send(context.Background(), m2); err != nil {
		t.Fatalf("Send again: %v", err)
	}
	if names := readDir(t, dir); len(names) != 1 || names[0] != name {
		t.Errorf("after a retry the outbox holds %v, want just %s", names, name)
	}
}

func TestOutboxFileNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ob, err := notify.NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{
		"duties/20250616T013000Z/办公室 <bgs@example.org>",
		"duties/20250616T013000Z/办公室 <bgs@example.org>?", // sanitises to the same text: the hash keeps it apart
		"../../etc/passwd",
		strings.Repeat("很长的键", 100),
	}
	for _, key := range keys {
		m, _, err := notify.BuildMessage(testFrom, testDispatch(key, "bgs@example.org"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ob.Send(context.Background(), m); err != nil {
			t.Fatalf("Send %q: %v", key, err)
		}
	}
	names := readDir(t, dir)
	if len(names) != len(keys) {
		t.Fatalf("outbox holds %d files %v, want %d", len(names), names, len(keys))
	}
	for _, n := range names {
		if strings.ContainsAny(n, `/\ <>?`) || !strings.HasSuffix(n, ".eml") || strings.HasPrefix(n, ".") {
			t.Errorf("unsafe file name %q", n)
		}
		if len([]rune(n)) > 120 {
			t.Errorf("file name too long: %q", n)
		}
	}
}

func TestOutboxRefusesAMessageWithoutKey(t *testing.T) {
	t.Parallel()
	ob, err := notify.NewOutbox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := mail.NewMsg()
	m.Subject("x")
	_, err = ob.Send(context.Background(), m)
	if err == nil {
		t.Fatal("Send without a dispatch key succeeded")
	}
	if temporary, _ := notify.Classify(err); temporary {
		t.Errorf("a message without key classified as temporary: %v", err)
	}
}

func TestOutboxHonoursCancelledContext(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ob, err := notify.NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, _, _ := notify.BuildMessage(testFrom, testDispatch("k", "a@example.org"))
	if _, err := ob.Send(ctx, m); err == nil {
		t.Fatal("Send with a cancelled context succeeded")
	}
	if names := readDir(t, dir); len(names) != 0 {
		t.Errorf("outbox holds %v after a cancelled send", names)
	}
}
