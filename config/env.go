package config

import (
	"encoding"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// envPrefix starts every environment variable duban reads.
const envPrefix = "DUBAN_"

// envShortcuts are the documented variables that are not spelled as a key
// path: the database URL and the two secrets.
var envShortcuts = map[string]string{
	"DUBAN_DATABASE_URL":   "database.url",
	"DUBAN_SMTP_PASSWORD":  "mail.smtp.password",
	"DUBAN_ADMIN_PASSWORD": "admin.password",
	"DUBAN_SECRET_KEY":     "admin.secret_key",
}

// envOverride is one DUBAN_ variable that sets a config key.
type envOverride struct {
	name string
	path []string
	raw  string
}

// envOverrides picks the variables of env ("KEY=VALUE" like os.Environ)
// that set config keys. Names are case-insensitive; an empty value counts
// as unset. Shortcuts come last, so DUBAN_DATABASE_URL beats
// DUBAN_DATABASE__URL. Names without "__" other than the shortcuts,
// DUBAN_TIMEZONE and DUBAN_SUPERVISORS belong to other parts of duban
// (DUBAN_CONFIG, DUBAN_TEST_DATABASE_URL) or to nobody, and are ignored.
func envOverrides(env []string) []envOverride {
	var generic, shortcuts []envOverride
	for _, kv := range env {
		name, raw, ok := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if !ok || raw == "" || !strings.HasPrefix(upper, envPrefix) {
			continue
		}
		if path, ok := envShortcuts[upper]; ok {
			shortcuts = append(shortcuts, envOverride{name: name, path: strings.Split(path, "."), raw: raw})
			continue
		}
		rest := strings.ToLower(upper[len(envPrefix):])
		if !strings.Contains(rest, "__") && rest != "timezone" && rest != "supervisors" {
			continue
		}
		generic = append(generic, envOverride{name: name, path: strings.Split(rest, "__"), raw: raw})
	}
	return append(generic, shortcuts...)
}

// applyEnv sets the fields the overrides name, following Config's toml
// tags. It remembers the variable of every field it touches, so that a
// problem there names the variable instead of a line of the file.
func (p *problems) applyEnv(c *Config, overrides []envOverride) {
	for _, o := range overrides {
		if slices.Contains(o.path, "") {
			p.errs = append(p.errs, &Error{Env: o.name, Msg: "invalid name: empty key between \"__\""})
			continue
		}
		p.setEnv(reflect.ValueOf(c).Elem(), "", o.path, o)
	}
}

// setEnv sets the field at keys below v, which is at field path path.
func (p *problems) setEnv(v reflect.Value, path string, keys []string, o envOverride) {
	if len(keys) == 0 {
		p.envPaths[path] = o.name
		p.setEnvValue(v, path, o.raw)
		return
	}
	next := joinPath(path, keys[0])
	switch {
	case v.Kind() == reflect.Struct && !isText(v.Type()):
		i := fieldIndex(v.Type(), keys[0])
		if i < 0 {
			p.envPaths[next] = o.name
			p.errorf(next, "unknown key%s", suggest(keys[0], knownKeys(v.Type())))
			return
		}
		p.setEnv(v.Field(i), next, keys[1:], o)
	case v.Kind() == reflect.Map:
		// Map elements cannot be set in place: set a copy and store it back.
		key := reflect.ValueOf(keys[0])
		elem := reflect.New(v.Type().Elem()).Elem()
		if old := v.MapIndex(key); old.IsValid() {
			elem.Set(old)
		} else {
			p.envPaths[next] = o.name // a new table, like an unknown job
		}
		p.setEnv(elem, next, keys[1:], o)
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		v.SetMapIndex(key, elem)
	case isTableList(v.Type()):
		full := joinPath(path, strings.Join(keys, "."))
		p.envPaths[full] = o.name
		p.errorf(full, "%s is not a table: this key cannot be set from the environment", path)
	default:
		p.envPaths[path] = o.name
		p.errorf(path, "wrong type: want %s, got a table", describeType(v.Type()))
	}
}

// setEnvValue parses raw into the field v at path. Lists are
// comma-separated.
func (p *problems) setEnvValue(v reflect.Value, path, raw string) {
	if isText(v.Type()) {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw)); err != nil {
			p.errorf(path, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Int:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 32)
		if err != nil {
			p.errorf(path, "want an integer, got %q", raw)
			return
		}
		v.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			p.errorf(path, "want true or false, got %q", raw)
			return
		}
		v.SetBool(b)
	case reflect.Slice:
		if isTableList(v.Type()) {
			p.errorf(path, "is a list of tables and cannot be set from the environment")
			return
		}
		var elems []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				elems = append(elems, s)
			}
		}
		list := reflect.MakeSlice(v.Type(), len(elems), len(elems))
		for i, s := range elems {
			p.setEnvValue(list.Index(i), indexPath(path, i), s)
		}
		v.Set(list)
	default:
		p.errorf(path, "is a table and cannot be set from the environment; set its keys")
	}
}
