package config

import "testing"

func TestLinesByPath(t *testing.T) {
	t.Parallel()
	doc := `top = 1
[[a]]
[[a.b]]
x = 1
[[a]]
[[a.b]]
y = 2
[a.c]
z = [{k = 1},
     {k = 2}]
[d]
e.f = "g"
h = [
  1,
  2,
]
`
	want := map[string]int{
		"top":           1,
		"a[0]":          2,
		"a[0].b[0]":     3,
		"a[0].b[0].x":   4,
		"a[1]":          5,
		"a[1].b[0]":     6,
		"a[1].b[0].y":   7,
		"a[1].c":        8,
		"a[1].c.z":      9,
		"a[1].c.z[1]":   10,
		"a[1].c.z[1].k": 10,
		"d":             11,
		"d.e":           12,
		"d.e.f":         12,
		"d.h":           13,
		"d.h[1]":        15,
	}
	got := findPositions([]byte(doc)).lines
	for path, line := range want {
		if got[path] != line {
			t.Errorf("line of %s = %d, want %d", path, got[path], line)
		}
	}
}

func TestPathAt(t *testing.T) {
	t.Parallel()
	doc := `[[u]]
e = ["a", 3]
[[u]]
e = ["b"]
x = 1
i = [{k = 1}, {k = 2}]
`
	p := findPositions([]byte(doc))
	for _, tc := range []struct {
		line, col int
		key       []string
		want      string
		found     bool
	}{
		{2, 11, []string{"u", "e"}, "u[0].e[1]", true}, // the 3, of the wrong type
		{2, 1, []string{"u", "e"}, "u[0].e", true},
		{4, 1, []string{"u", "e"}, "u[1].e", true},
		{5, 1, []string{"u", "x"}, "u[1].x", true},
		{6, 16, []string{"k"}, "u[1].i[1].k", true}, // inside an inline table go-toml names the inner key only
		{7, 1, []string{"u", "y"}, "u.y", false},
	} {
		got, found := p.pathAt(tc.line, tc.col, tc.key)
		if got != tc.want || found != tc.found {
			t.Errorf("pathAt(%d, %d, %q) = %q, %v; want %q, %v", tc.line, tc.col, tc.key, got, found, tc.want, tc.found)
		}
	}
}

func TestParentPath(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"units[3].leader": "units[3]",
		"units[3]":        "units",
		"units":           "",
		"a.b[0][1]":       "a.b[0]",
		"]":               "",
	} {
		if got := parentPath(path); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", path, got, want)
		}
	}
}
