package config

import (
	"errors"
	"io/fs"
	"net/mail"
	"strings"
	"time"
)

// minSecretKey is the shortest server key accepted, in bytes: a key that
// signs links must not be guessable.
const minSecretKey = 32

// maxLinkTTL bounds link_ttl: a link outliving a year of reminders is a
// link nobody remembers handing out.
const maxLinkTTL = 366 * 24 * time.Hour

// maxUploadMB bounds max_upload_mb: every upload is held in memory while
// it is checked and stored in the database.
const maxUploadMB = 100

// readSecretKeyFile reads the server key from secret_key_file, unless
// DUBAN_SECRET_KEY or the file's secret_key already supplied it (then the
// file is not read and both set is an error, as for the SMTP password).
// One trailing line break is not part of the key.
func (p *problems) readSecretKeyFile(a *AdminConfig) {
	const path = "admin.secret_key_file"
	if a.SecretKeyFile == "" || p.envPaths["admin.secret_key"] != "" {
		return
	}
	if a.SecretKey != "" {
		p.errorf(path, "set either admin.secret_key or admin.secret_key_file, not both")
		return
	}
	b, err := readSmallFile(a.SecretKeyFile, maxPasswordFile)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		p.errorf(path, "cannot read secret key file %q: %v", a.SecretKeyFile, err)
		return
	}
	key := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	switch {
	case len(b) > maxPasswordFile:
		p.errorf(path, "secret key file %q is too large for a key", a.SecretKeyFile)
	case strings.ContainsAny(key, "\r\n"):
		p.errorf(path, "secret key file %q must hold the key on one line", a.SecretKeyFile)
	case len(key) < minSecretKey:
		p.errorf(path, "the key in %q has %d characters: want at least %d (e.g. openssl rand -base64 32)", a.SecretKeyFile, len(key), minSecretKey)
	default:
		a.SecretKey = key
	}
}

// checkLinks checks the settings of the units' links and uploads. The
// messages never quote the key.
func (p *problems) checkLinks(a *AdminConfig) {
	if a.SecretKey != "" && len(a.SecretKey) < minSecretKey {
		p.errorf("admin.secret_key", "has %d characters: want at least %d (e.g. openssl rand -base64 32)", len(a.SecretKey), minSecretKey)
	}
	if ttl := a.LinkTTL.Duration; ttl < time.Hour || ttl > maxLinkTTL {
		p.errorf("admin.link_ttl", "must be between 1h and %s, got %s", Duration{Duration: maxLinkTTL}, a.LinkTTL)
	}
	if a.MaxUploadMB < 1 || a.MaxUploadMB > maxUploadMB {
		p.errorf("admin.max_upload_mb", "must be 1 to %d, got %d", maxUploadMB, a.MaxUploadMB)
	}
}

// MaxUploadBytes is the most bytes one uploaded file may have.
func (a AdminConfig) MaxUploadBytes() int64 { return int64(a.MaxUploadMB) << 20 }

// OfficeContact is how a unit reaches the office when its messages carry
// no link: admin.contact, else the sender's address.
func (c *Config) OfficeContact() string {
	if c.Admin.Contact != "" {
		return c.Admin.Contact
	}
	if addr, err := mail.ParseAddress(c.Mail.From); err == nil {
		return addr.Address
	}
	return ""
}
