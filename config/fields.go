package config

import (
	"encoding"
	"reflect"
	"strconv"
	"strings"
)

// Field paths name a value of the config the way messages show it:
// "mail.smtp.port", "units[3].emails[0]" (indexes counted from 0). The
// functions here follow a path through Config's toml tags, the parsed file
// or the text of the path itself.

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// isText reports a type written as text, like Duration or ledger.Date.
func isText(t reflect.Type) bool {
	return reflect.PointerTo(t).Implements(textUnmarshaler)
}

// isTableList reports a list of tables, like [[units]].
func isTableList(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct && !isText(t.Elem())
}

// tomlKey returns the key of a struct field in the file, "" for a field
// that is not in the file.
func tomlKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if !f.IsExported() || name == "-" {
		return ""
	}
	return name
}

// fieldIndex returns the index of the field of struct type t with the given
// key, or -1.
func fieldIndex(t reflect.Type, key string) int {
	for i := range t.NumField() {
		if tomlKey(t.Field(i)) == key {
			return i
		}
	}
	return -1
}

// knownKeys lists the keys of a table of type t, for "did you mean".
func knownKeys(t reflect.Type) []string {
	var keys []string
	if t != nil && t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			if k := tomlKey(t.Field(i)); k != "" {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// pathParts splits a field path into keys and indexes:
// "units[3].emails" → "units", "[3]", "emails".
func pathParts(path string) []string {
	var parts []string
	for _, part := range strings.Split(path, ".") {
		name, idx, _ := strings.Cut(part, "[")
		if name != "" {
			parts = append(parts, name)
		}
		for idx != "" {
			var i string
			i, idx, _ = strings.Cut(idx, "[")
			parts = append(parts, "["+i)
		}
	}
	return parts
}

// typeAt returns the Go type of the field at path, or nil.
func typeAt(path string) reflect.Type {
	t := reflect.TypeFor[Config]()
	for _, part := range pathParts(path) {
		switch {
		case strings.HasPrefix(part, "["):
			if t.Kind() != reflect.Slice {
				return nil
			}
			t = t.Elem()
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			i := fieldIndex(t, part)
			if i < 0 {
				return nil
			}
			t = t.Field(i).Type
		default:
			return nil
		}
	}
	return t
}

// valueAt returns what the parsed file holds at path.
func valueAt(tree map[string]any, path string) (any, bool) {
	var v any = tree
	for _, part := range pathParts(path) {
		var ok bool
		switch x := v.(type) {
		case map[string]any:
			v, ok = x[part]
		case []any:
			i, err := strconv.Atoi(strings.Trim(part, "[]"))
			ok = err == nil && i >= 0 && i < len(x)
			if ok {
				v = x[i]
			}
		}
		if !ok {
			return nil, false
		}
	}
	return v, true
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

// lastKey returns the last key of a field path: "emails" of "units[0].emails".
func lastKey(path string) string {
	for strings.HasSuffix(path, "]") {
		path = parentPath(path)
	}
	return path[strings.LastIndexByte(path, '.')+1:]
}
