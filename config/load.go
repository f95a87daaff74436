package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"reflect"
	"slices"
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
	c, secrets, err := parse(path, data, env)
	if err != nil {
		return nil, err
	}
	c.Warnings = append(c.Warnings, permissionWarnings(path, secrets, c)...)
	if w := senderWarning(c); w != "" {
		c.Warnings = append(c.Warnings, w)
	}
	return c, nil
}

// strictSenderHosts are the SMTP servers that refuse, with 501, a message
// whose sender is not the account that logged in: QQ Mail, 163 and Tencent
// Exmail (腾讯企业邮).
var strictSenderHosts = []string{"smtp.qq.com", "smtp.163.com", "smtp.exmail.qq.com", "hwsmtp.exmail.qq.com"}

// senderWarning warns when mail.from is not the SMTP account on a server
// that refuses that: every message would fail.
func senderWarning(c *Config) string {
	s := c.Mail.SMTP
	if c.Mail.Transport != TransportSMTP || s.Username == "" || !slices.Contains(strictSenderHosts, strings.ToLower(s.Host)) {
		return ""
	}
	from, err := mail.ParseAddress(c.Mail.From)
	if err != nil || strings.EqualFold(from.Address, s.Username) {
		return ""
	}
	return fmt.Sprintf("mail.from %s is not mail.smtp.username %s: %s refuses any other sender (501), "+
		"so every message would fail; set mail.from to the account's address (its display name may stay)",
		from.Address, s.Username, s.Host)
}

// MaxFileSize bounds the config file (1 MiB): a config of a few hundred
// units is well under 100 KiB, and a mistaken path (a log, a device) must
// not exhaust memory.
const MaxFileSize = 1 << 20

// permissionWarnings warns about secrets that other local users may read:
// a config file holding one, or the SMTP password file, readable by its
// group or by others.
func permissionWarnings(path string, secrets []string, c *Config) []string {
	var out []string
	if len(secrets) > 0 {
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
// is not a file others can read), given the config as the file has it.
func fileSecrets(c *Config) []string {
	var out []string
	for _, s := range []struct {
		name string
		set  bool
	}{
		{"database.url", databaseURLHasSecret(c.Database.URL)},
		{"mail.smtp.password", c.Mail.SMTP.Password != ""},
		{"admin.password", c.Admin.Password != ""},
		{"admin.password_hash", c.Admin.PasswordHash != ""},
		{"admin.secret_key", c.Admin.SecretKey != ""},
		{"heartbeat.url", c.Heartbeat.URL != ""},
		{"robot webhooks", len(c.Robots()) > 0},
	} {
		if s.set {
			out = append(out, s.name)
		}
	}
	return out
}

func databaseURLHasSecret(raw string) bool {
	_, has := databaseURLSecret(raw)
	return has
}

// utf8BOM starts files saved by Windows Notepad, which TOML does not allow.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// document is what the file decodes into: the config, except that the
// days of [calendar] may be TOML dates as well as strings, which
// ledger.Date alone cannot take.
type document struct {
	Config
	Calendar struct {
		Holidays []any `toml:"holidays"`
		Workdays []any `toml:"workdays"`
	} `toml:"calendar"`
}

// parse decodes the file over the defaults, applies the environment, fills
// in what depends on other settings and validates the result. It returns
// the secrets the file itself holds too.
func parse(file string, data []byte, env []string) (*Config, []string, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var tree map[string]any
	if err := toml.Unmarshal(data, &tree); err != nil {
		return nil, nil, tomlError(file, err)
	}
	p := &problems{file: file, tree: tree, pos: findPositions(data), envPaths: map[string]string{}, failed: map[string]bool{}}
	doc := document{Config: defaultConfig()}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil && !p.decodeError(err) {
		return nil, nil, joinErrors(p.errs)
	}
	c := &doc.Config
	secrets := fileSecrets(c)
	p.elementDefaults(c)
	if doc.Calendar.Holidays != nil {
		c.Calendar.Holidays = p.calendarDays("calendar.holidays", doc.Calendar.Holidays)
	}
	if doc.Calendar.Workdays != nil {
		c.Calendar.Workdays = p.calendarDays("calendar.workdays", doc.Calendar.Workdays)
	}
	p.applyEnv(c, envOverrides(env))
	p.finalize(c)
	p.checkValues("", reflect.ValueOf(c).Elem())
	p.validate(c)
	if err := joinErrors(p.errs); err != nil {
		return nil, nil, err
	}
	deriveDelivery(&c.Mail)
	return c, secrets, nil
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
