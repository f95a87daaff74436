package store

import "testing"

func TestLongestRunWithoutLetters(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, want string }{
		{"B12500", "12500"},
		{"OA系统", "系统"},
		{"a1b22c", "22"},
		{"一.3.(1)", "一.3.(1)"},
		{"budget", ""},
		{"ＰＰＰ", "ＰＰＰ"}, // full-width letters are matched as they are
	} {
		if got := longestRunWithoutLetters(tt.text); got != tt.want {
			t.Errorf("longestRunWithoutLetters(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
