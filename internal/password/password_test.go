package password

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pw string
		ok bool
	}{
		{"short-pw", false},
		{"123456789", false},
		{"1234567890", true},
		{"督办系统口令十个字符", true}, // ten characters, thirty bytes
		{"督办系统口令九个字", false},
		{strings.Repeat("a", 72), true},
		{strings.Repeat("a", 73), false},
		{strings.Repeat("督", 25), false}, // 75 bytes
	} {
		if err := Check(tt.pw); (err == nil) != tt.ok {
			t.Errorf("Check(%q) = %v, want ok %v", tt.pw, err, tt.ok)
		}
	}
}

func TestHashRoundTrip(t *testing.T) {
	t.Parallel()
	h, err := Hash("督办-test-口令")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckHash(h); err != nil {
		t.Errorf("CheckHash of a fresh hash: %v", err)
	}
	if !Matches(h, "督办-test-口令") || Matches(h, "督办-test-口") || Matches(h, "") {
		t.Error("Matches accepts a wrong password or refuses the right one")
	}
	for _, bad := range []string{"", "督办-test-口令", "$2a$10$short", "{SHA}abc"} {
		if err := CheckHash(bad); err == nil {
			t.Errorf("CheckHash(%q) accepted", bad)
		} else if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("CheckHash quotes the secret: %v", err)
		}
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	if !Equal("admin-Pw-3Kd2zz", "admin-Pw-3Kd2zz") || Equal("admin-Pw-3Kd2zz", "admin-Pw-3Kd2z") || Equal("", "") {
		t.Error("Equal compares wrongly (an empty plain password must match nothing)")
	}
}
