package config

import (
	"bytes"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// positions tells where each field path of a document is written. go-toml
// decodes into a struct without positions, and reports its own errors by
// key without array indexes, so the document's syntax tree is walked once
// more to find them.
type positions struct {
	lines map[string]int // field path → line of its key, table header or array element
	spots []spot         // every key, header and array element, in document order
}

type spot struct {
	path      string
	line, col int // col counts bytes from 1, as go-toml's errors do
}

// pathAt finds the field path of an error go-toml reports at line:col for
// key. The key lacks array indexes and may lack the keys of an inline
// table's key/value, so the path is the last spot on that line, at or
// before col, with the same last key; a value of an array is at its
// element. Without such a spot, it returns the key as a path and false.
func (p positions) pathAt(line, col int, key []string) (string, bool) {
	if len(key) == 0 {
		return "", false
	}
	last, found := key[len(key)-1], ""
	for _, s := range p.spots {
		if s.line == line && s.col <= col && lastKey(s.path) == last {
			found = s.path
		}
	}
	if found == "" {
		return strings.Join(key, "."), false
	}
	return found, true
}

// findPositions walks a document that toml.Unmarshal accepted. Positions
// only improve messages, so a failure of the walk (its parser is go-toml's
// "unstable" one) must not stop duban from starting.
func findPositions(data []byte) (p positions) {
	defer func() {
		if recover() != nil {
			p = positions{lines: map[string]int{}}
		}
	}()
	w := &positionWalker{
		positions:   positions{lines: map[string]int{}},
		arrayTables: map[string]int{},
		lineStarts:  lineStarts(data),
	}
	var parser unstable.Parser
	parser.Reset(data)
	for parser.NextExpression() {
		w.expression(parser.Expression())
	}
	return w.positions
}

type positionWalker struct {
	positions
	arrayTables map[string]int // path of an array of tables → elements seen so far
	lineStarts  []int
	table       string // path of the table the current key/values belong to
}

func (w *positionWalker) expression(e *unstable.Node) {
	switch e.Kind {
	case unstable.Table, unstable.ArrayTable:
		keys, line, col := w.keyParts(e.Key())
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
		// Tables named by the header only (a of [a.b]) get its line too.
		for p := w.table; p != ""; p = parentPath(p) {
			w.setLine(p, line)
		}
		w.spots = append(w.spots, spot{w.table, line, col})
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
	path, line := base, 0
	for it := kv.Key(); it.Next(); {
		k := it.Node()
		path = joinPath(path, string(k.Data))
		l, col := w.position(k)
		if line == 0 {
			line = l
		}
		w.set(path, line, col)
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
			elLine, col := w.position(el)
			if elLine == 0 {
				elLine = line
			}
			w.set(elPath, elLine, col)
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

func (w *positionWalker) keyParts(it unstable.Iterator) (keys []string, line, col int) {
	for it.Next() {
		n := it.Node()
		if len(keys) == 0 {
			line, col = w.position(n)
		}
		keys = append(keys, string(n.Data))
	}
	return keys, line, col
}

// position returns the line and column of a node; 0, 0 for nodes without a
// byte range (arrays, inline tables).
func (w *positionWalker) position(n *unstable.Node) (line, col int) {
	if n.Raw.Length == 0 {
		return 0, 0
	}
	off := int(n.Raw.Offset)
	line = sort.Search(len(w.lineStarts), func(i int) bool { return w.lineStarts[i] > off })
	return line, off - w.lineStarts[line-1] + 1
}

func (w *positionWalker) set(path string, line, col int) {
	w.setLine(path, line)
	w.spots = append(w.spots, spot{path, line, col})
}

func (w *positionWalker) setLine(path string, line int) {
	if _, ok := w.lines[path]; !ok && line > 0 {
		w.lines[path] = line
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
