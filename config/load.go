package config

import (
	"bytes"
	"errors"
	"fmt"
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
	data, err := readSmallFile(path, MaxFileSize)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return nil, &Error{File: path, Msg: "cannot read config: " + msg, err: err}
	}
	if len(data) > MaxFileSize {
		return nil, &Error{File: path, Msg: "config file is larger than the 1 MiB limit"}
	}
	c, err := parse(path, data, env)
	if err != nil {
		return nil, err
	}
	c.Warnings = append(c.Warnings, permissionWarnings(path, data, c)...)
	return c, nil
}

// MaxFileSize bounds the config file (1 MiB): a config of a few hundred
// units is well under 100 KiB, and a mistaken path (a log, a device) must
// not exhaust memory.
const MaxFileSize = 1 << 20

// permissionWarnings warns about secrets that other local users may read:
// a config file holding one, or the SMTP password file, readable by its
// group or by others.
func permissionWarnings(path string, data []byte, c *Config) []string {
	var out []string
	if secrets := fileSecrets(data); len(secrets) > 0 {
		if mode, ok := readableByOthers(path); ok {
			out = append(out, fmt.Sprintf("config file %s is readable by group or others (mode %04o) and holds "+
				"secrets (%s): chmod 600 it, or move the secrets to the environment", path, mode, strings.Join(secrets, ", ")))
		}
	}
	if pf := c.Mail.SMTP.PasswordFile; pf != "" {
		if mode, ok := readableByOthers(pf); ok {
			out = append(out, fmt.Sprintf("mail.smtp.password_file %s is readable by group or others (mode %04o): chmod 600 it", pf, mode))
		}
	}
	return out
}

func readableByOthers(path string) (fs.FileMode, bool) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	mode := st.Mode().Perm()
	return mode, mode&0o044 != 0
}

// fileSecrets names the secret keys the file itself sets (the environment
// is not a file others can read): the SMTP and admin passwords, the
// password hash, a password in the database URL.
func fileSecrets(data []byte) []string {
	var f struct {
		Database struct {
			URL string `toml:"url"`
		} `toml:"database"`
		Mail struct {
			SMTP struct {
				Password string `toml:"password"`
			} `toml:"smtp"`
		} `toml:"mail"`
		Admin struct {
			Password     string `toml:"password"`
			PasswordHash string `toml:"password_hash"`
		} `toml:"admin"`
	}
	// The file parsed already; a part of the wrong type just holds no secret.
	_ = toml.Unmarshal(bytes.TrimPrefix(data, utf8BOM), &f)
	var out []string
	if redactURL(f.Database.URL) != f.Database.URL {
		out = append(out, "database.url")
	}
	for _, s := range []struct{ name, value string }{
		{"mail.smtp.password", f.Mail.SMTP.Password},
		{"admin.password", f.Admin.Password},
		{"admin.password_hash", f.Admin.PasswordHash},
	} {
		if s.value != "" {
			out = append(out, s.name)
		}
	}
	return out
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
