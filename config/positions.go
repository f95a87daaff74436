package config

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// linesByPath maps every field path of a TOML document that toml.Unmarshal
// accepted ("mail.smtp.port", "units[3]", "units[3].emails[0]") to the line
// it is written on. The decoded map has no positions, so we walk the
// document's syntax tree once more to find them. Tables get the line of their
// header, implicit tables the line of the first key that made them.
func linesByPath(data []byte) map[string]int {
	w := &positionWalker{
		lines:       map[string]int{},
		arrayTables: map[string]int{},
		lineStarts:  lineStarts(data),
	}
	var p unstable.Parser
	p.Reset(data)
	for p.NextExpression() {
		w.expression(p.Expression())
	}
	return w.lines
}

type positionWalker struct {
	lines       map[string]int
	arrayTables map[string]int // path of an array of tables → elements seen so far
	lineStarts  []int
	table       string // path of the table the current key/values belong to
}

func (w *positionWalker) expression(e *unstable.Node) {
	switch e.Kind {
	case unstable.Table, unstable.ArrayTable:
		keys, line := w.keyParts(e.Key())
		if len(keys) == 0 {
			return
		}
		if e.Kind == unstable.Table {
			w.table = w.resolve(keys)
		} else {
			// [[a.b]] appends to the b of the latest a; only b gets a new index.
			parent := w.resolve(keys[:len(keys)-1])
			array := joinPath(parent, keys[len(keys)-1])
			n := w.arrayTables[array]
			w.arrayTables[array] = n + 1
			w.table = indexPath(array, n)
		}
		w.setWithAncestors(w.table, line)
	case unstable.KeyValue:
		w.keyValue(w.table, e)
	}
}

// resolve turns header keys into a path, following each array of tables to
// its latest element as TOML does.
func (w *positionWalker) resolve(keys []string) string {
	path := ""
	for _, k := range keys {
		path = joinPath(path, k)
		if n := w.arrayTables[path]; n > 0 {
			path = indexPath(path, n-1)
		}
	}
	return path
}

func (w *positionWalker) keyValue(base string, kv *unstable.Node) {
	keys, line := w.keyParts(kv.Key())
	path := base
	for _, k := range keys {
		path = joinPath(path, k)
		w.set(path, line)
	}
	w.value(path, kv.Value(), line)
}

// value records the elements of arrays and the keys of inline tables.
func (w *positionWalker) value(path string, v *unstable.Node, line int) {
	switch v.Kind {
	case unstable.Array:
		i := 0
		for it := v.Children(); it.Next(); {
			el := it.Node()
			if el.Kind == unstable.Comment {
				continue
			}
			elPath := indexPath(path, i)
			elLine := w.lineOf(el, line)
			w.set(elPath, elLine)
			w.value(elPath, el, elLine)
			i++
		}
	case unstable.InlineTable:
		for it := v.Children(); it.Next(); {
			if kv := it.Node(); kv.Kind == unstable.KeyValue {
				w.keyValue(path, kv)
			}
		}
	}
}

func (w *positionWalker) keyParts(it unstable.Iterator) (keys []string, line int) {
	for it.Next() {
		n := it.Node()
		if len(keys) == 0 {
			line = w.lineOf(n, 0)
		}
		keys = append(keys, string(n.Data))
	}
	return keys, line
}

// lineOf returns the line of a node, or def for nodes without a byte range
// (arrays).
func (w *positionWalker) lineOf(n *unstable.Node, def int) int {
	if n.Raw.Length == 0 {
		return def
	}
	off := int(n.Raw.Offset)
	return sort.Search(len(w.lineStarts), func(i int) bool { return w.lineStarts[i] > off })
}

func (w *positionWalker) set(path string, line int) {
	if _, ok := w.lines[path]; !ok && line > 0 {
		w.lines[path] = line
	}
}

func (w *positionWalker) setWithAncestors(path string, line int) {
	for p := path; p != ""; p = parentPath(p) {
		w.set(p, line)
	}
}

// lineStarts returns the byte offset at which each line begins.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			return starts
		}
		i += j + 1
		starts = append(starts, i)
	}
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// parentPath strips the last ".key" or "[i]" of a field path.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}
