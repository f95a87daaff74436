package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"

	// The default zone must load on hosts and containers without a zoneinfo
	// database.
	_ "time/tzdata"
)

// Load reads the TOML file at path, applies the DUBAN_* variables of env
// (in os.Environ form, "KEY=VALUE"), fills in defaults and validates
// everything.
//
// Environment: DUBAN_DATABASE_URL sets database.url, DUBAN_SMTP_PASSWORD
// mail.smtp.password and DUBAN_ADMIN_PASSWORD admin.password; any other key
// is DUBAN_<SECTION>__<KEY> with "__" between levels, case-insensitive
// (DUBAN_MAIL__SMTP__PORT=1025, DUBAN_TIMEZONE=UTC, lists comma-separated:
// DUBAN_POLICY__LEAD_DAYS=5,2). Empty values count as unset. DUBAN_CONFIG,
// DUBAN_TEST_DATABASE_URL and other names without "__" are not config keys
// and are ignored.
//
// The error is a *Error or an errors.Join of all of them.
func Load(path string, env []string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return nil, &Error{File: path, Msg: "cannot read config: " + msg, err: err}
	}
	return parse(path, data, env)
}

// utf8BOM starts files saved by Windows Notepad, which TOML does not allow.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func parse(file string, data []byte, env []string) (*Config, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var tree map[string]any
	if err := toml.Unmarshal(data, &tree); err != nil {
		return nil, tomlError(file, err)
	}
	if tree == nil {
		tree = map[string]any{}
	}
	d := newDecoder(file, safeLinesByPath(data))
	d.applyEnv(tree, envOverrides(env))
	c := defaultConfig()
	d.decodeRoot(d.newTable("", tree), c)
	d.finalize(c)
	d.validate(c)
	if err := joinErrors(d.errs); err != nil {
		return nil, err
	}
	return c, nil
}

// tomlError turns a TOML syntax error into an *Error with its line.
func tomlError(file string, err error) *Error {
	e := &Error{File: file, Msg: "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: "), err: err}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		e.Line, _ = de.Position()
		e.Field = strings.Join(de.Key(), ".")
	}
	return e
}

// safeLinesByPath finds the lines of a document toml.Unmarshal accepted.
// Lines only improve messages, so a failure of the second parser (its API
// is go-toml's "unstable" one) must not stop duban from starting.
func safeLinesByPath(data []byte) (lines map[string]int) {
	defer func() {
		if recover() != nil {
			lines = map[string]int{}
		}
	}()
	return linesByPath(data)
}
