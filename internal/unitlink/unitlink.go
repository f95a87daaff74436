// Package unitlink signs and checks the units' personal links: a unit has
// no account, and its link is what lets it see its items and file its
// reports, as a Healthchecks ping URL carries its check. A link names the
// unit, the generation of its links (revoking counts it up) and when it
// expires, under an HMAC-SHA256 of a key derived from the server key.
package unitlink

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid is a token that was not signed with this key: mistyped,
// truncated or tampered with.
var ErrInvalid = errors.New("unitlink: invalid link")

// ErrExpired is a genuine token past its expiry.
var ErrExpired = errors.New("unitlink: link expired")

// macSize is the signature's length: 128 bits of HMAC-SHA256 cannot be
// guessed, and keep the link short enough for a message.
const macSize = 16

// Claims are what a link says.
type Claims struct {
	Unit       string
	Generation int64
	Expires    time.Time
}

// Signer makes and checks links with one key.
type Signer struct {
	link, form []byte // keys derived from the server key, one per use
}

// NewSigner derives the link and form keys from the server key.
func NewSigner(serverKey []byte) *Signer {
	return &Signer{link: derive(serverKey, "duban unit link v1"), form: derive(serverKey, "duban unit link form v1")}
}

func derive(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

var b64 = base64.RawURLEncoding

// Sign returns the token of c: unit.generation.expiry.signature, each part
// URL-safe.
func (s *Signer) Sign(c Claims) string {
	body := b64.EncodeToString([]byte(c.Unit)) + "." + strconv.FormatInt(c.Generation, 36) + "." +
		strconv.FormatInt(c.Expires.Unix(), 36)
	return body + "." + b64.EncodeToString(s.mac(s.link, body))
}

func (s *Signer) mac(key []byte, text string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(text))
	return m.Sum(nil)[:macSize]
}

// Verify checks token's signature and expiry at now. A genuine token past
// its expiry returns its claims with ErrExpired; anything else not signed
// with this key is ErrInvalid. Whether the generation is still the unit's
// is for the caller to check.
func (s *Signer) Verify(token string, now time.Time) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 4 || len(token) > 512 {
		return Claims{}, ErrInvalid
	}
	sig, err := b64.DecodeString(parts[3])
	if err != nil || !hmac.Equal(sig, s.mac(s.link, strings.Join(parts[:3], "."))) {
		return Claims{}, ErrInvalid
	}
	unit, err1 := b64.DecodeString(parts[0])
	gen, err2 := strconv.ParseInt(parts[1], 36, 64)
	exp, err3 := strconv.ParseInt(parts[2], 36, 64)
	if err := errors.Join(err1, err2, err3); err != nil || len(unit) == 0 {
		return Claims{}, ErrInvalid
	}
	c := Claims{Unit: string(unit), Generation: gen, Expires: time.Unix(exp, 0)}
	if !now.Before(c.Expires) {
		return c, ErrExpired
	}
	return c, nil
}

// FormToken is the token the forms of a link's page carry: derived from the
// link, so that a page needs no cookie and a form posted from another site,
// which cannot read the page, cannot carry it.
func (s *Signer) FormToken(token string) string {
	return b64.EncodeToString(s.mac(s.form, token))
}

// CheckForm reports whether form is the form token of the link token.
func (s *Signer) CheckForm(token, form string) bool {
	got, err := b64.DecodeString(form)
	return err == nil && hmac.Equal(got, s.mac(s.form, token))
}

// Links makes the links of the units' messages.
type Links struct {
	Signer    *Signer
	PublicURL string        // where people reach duban, like https://duban.example.org
	TTL       time.Duration // how long a link stays valid
}

// URL is unit's link of generation gen, made at now.
func (l *Links) URL(unit string, gen int64, now time.Time) string {
	token := l.Signer.Sign(Claims{Unit: unit, Generation: gen, Expires: now.Add(l.TTL)})
	return strings.TrimSuffix(l.PublicURL, "/") + "/u/" + token
}

// KeyStore keeps the generated server key (the store).
type KeyStore interface {
	ServerKey(ctx context.Context, name string, now time.Time) ([]byte, error)
}

// keyName is the server key's name in the database.
const keyName = "unit-links"

// ServerKey is the configured key (DUBAN_SECRET_KEY or secret_key_file),
// else the one generated once and kept in the database.
func ServerKey(ctx context.Context, configured string, keys KeyStore, now time.Time) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	return keys.ServerKey(ctx, keyName, now)
}
