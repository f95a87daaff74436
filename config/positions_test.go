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
	got := linesByPath([]byte(doc))
	for path, line := range want {
		if got[path] != line {
			t.Errorf("line of %s = %d, want %d", path, got[path], line)
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
