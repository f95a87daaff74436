package ledger

import "testing"

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-06-16", "2024-02-29", "2025-02-29", " 2025-01-01 ", "2025-13-01", "", "0000-01-01", "0001-01-01", "1899-12-31", "9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		again, err := ParseDate(d.String())
		if err != nil || again != d {
			t.Fatalf("%q parsed to %s, which parses back to %s, %v", s, d, again, err)
		}
		var u Date
		if err := u.UnmarshalText([]byte(s)); err != nil || u != d {
			t.Fatalf("UnmarshalText(%q) = %s, %v; ParseDate gave %s", s, u, err, d)
		}
	})
}
