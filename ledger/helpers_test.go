package ledger

import "testing"

// day parses an ISO date or fails the test: it keeps the tables readable.
func day(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatalf("bad test date %q: %v", s, err)
	}
	return d
}
