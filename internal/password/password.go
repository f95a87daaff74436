// Package password is duban's one password scheme: bcrypt hashes for the
// console's accounts and for admin.password_hash, and the rules a new
// password must follow.
package password

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// MinLength is the fewest characters (not bytes) a password may have where
// other machines can reach the console.
const MinLength = 10

// maxBytes is bcrypt's limit: it ignores what lies beyond, so a longer
// password would be weaker than it looks.
const maxBytes = 72

// ErrNotHash reports a text that is not a bcrypt hash. It does not quote
// the text: a hash is a secret, and it might be a password pasted into the
// wrong key.
var ErrNotHash = errors.New("not a bcrypt hash (like $2a$10$…, e.g. from htpasswd -nbBC 10 '' PASSWORD | cut -d: -f2)")

// Check reports whether pw may become a password: at least MinLength
// characters and at most what bcrypt reads.
func Check(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinLength {
		return fmt.Errorf("the password has %d characters: use at least %d", n, MinLength)
	}
	if len(pw) > maxBytes {
		return fmt.Errorf("the password is %d bytes long: use at most %d bytes (a Chinese character takes 3)", len(pw), maxBytes)
	}
	return nil
}

// Hash returns the bcrypt hash of pw at bcrypt's default cost.
func Hash(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("password: hash: %w", err)
	}
	return string(h), nil
}

// CheckHash reports whether hash is a bcrypt hash this package accepts.
func CheckHash(hash string) error {
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		return ErrNotHash
	}
	return nil
}

// Matches reports whether pw is the password of hash.
func Matches(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// Equal compares a password with a plain one (DUBAN_ADMIN_PASSWORD) in
// time that depends on neither: both sides are hashed first.
func Equal(plain, pw string) bool {
	want, got := sha256.Sum256([]byte(plain)), sha256.Sum256([]byte(pw))
	return plain != "" && subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

// dummyHash is compared against when the user is unknown, so that a wrong
// name takes as long as a wrong password and does not tell which names exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("duban-no-such-user"), bcrypt.DefaultCost)

// Waste spends the time of one Matches on nothing.
func Waste(pw string) {
	bcrypt.CompareHashAndPassword(dummyHash, []byte(pw))
}
