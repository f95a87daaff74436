package config

import (
	"strings"
)

// envPrefix starts every environment variable duban reads.
const envPrefix = "DUBAN_"

// envShortcut maps the documented variables that are not spelled as a key
// path (the database URL and the two secrets) to their key.
func envShortcut(upperName string) (string, bool) {
	switch upperName {
	case "DUBAN_DATABASE_URL":
		return "database.url", true
	case "DUBAN_SMTP_PASSWORD":
		return "mail.smtp.password", true
	case "DUBAN_ADMIN_PASSWORD":
		return "admin.password", true
	}
	return "", false
}

// envNotConfig reports the DUBAN_ variables that belong to other parts of
// duban (the CLI, the tests), never to the config.
func envNotConfig(upperName string) bool {
	return upperName == "DUBAN_CONFIG" || upperName == "DUBAN_TEST_DATABASE_URL"
}

// envTopLevelKey reports the top-level keys that can be set without "__",
// like DUBAN_TIMEZONE. Other DUBAN_ names without "__" are not ours and are
// ignored.
func envTopLevelKey(key string) bool {
	return key == "timezone" || key == "supervisors"
}

// envValue is a value from the environment in the decoded tree: a string
// the decoder converts to the type of the key, naming the variable when it
// cannot.
type envValue struct {
	name string
	raw  string
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
// DUBAN_DATABASE__URL.
func envOverrides(env []string) []envOverride {
	var generic, shortcuts []envOverride
	for _, kv := range env {
		name, raw, ok := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if !ok || raw == "" || !strings.HasPrefix(upper, envPrefix) || envNotConfig(upper) {
			continue
		}
		if path, ok := envShortcut(upper); ok {
			shortcuts = append(shortcuts, envOverride{name: name, path: strings.Split(path, "."), raw: raw})
			continue
		}
		rest := strings.ToLower(upper[len(envPrefix):])
		if !strings.Contains(rest, "__") && !envTopLevelKey(rest) {
			continue
		}
		generic = append(generic, envOverride{name: name, path: strings.Split(rest, "__"), raw: raw})
	}
	return append(generic, shortcuts...)
}

// applyEnv writes the overrides into the decoded TOML tree, creating tables
// as needed. It records which paths the environment created, so that a
// problem there (an unknown key) names the variable. It refuses to go
// through a value that is not a table, such as an array of tables.
func (d *decoder) applyEnv(root map[string]any, overrides []envOverride) {
	for _, o := range overrides {
		d.applyOne(root, o)
	}
}

func (d *decoder) applyOne(root map[string]any, o envOverride) {
	fieldPath := strings.Join(o.path, ".")
	for _, k := range o.path {
		if k == "" {
			d.errs = append(d.errs, &Error{Env: o.name, Msg: "invalid name: empty key between \"__\""})
			return
		}
	}
	m := root
	path := ""
	for _, k := range o.path[:len(o.path)-1] {
		path = joinPath(path, k)
		next, ok := m[k]
		if !ok {
			t := map[string]any{}
			m[k] = t
			d.envPaths[path] = o.name
			m = t
			continue
		}
		t, ok := next.(map[string]any)
		if !ok {
			d.errs = append(d.errs, &Error{Env: o.name, Field: fieldPath,
				Msg: path + " is not a table: this key cannot be set from the environment"})
			return
		}
		m = t
	}
	m[o.path[len(o.path)-1]] = envValue{name: o.name, raw: o.raw}
}
