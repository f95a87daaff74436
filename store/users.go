package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// Roles of the office's accounts.
const (
	RoleAdmin  = "admin"  // 整改办: does everything
	RoleViewer = "viewer" // 领导, 纪检: reads everything, writes nothing
)

// BootstrapUser is the account of the config's password
// (DUBAN_ADMIN_PASSWORD, admin.password_hash); no row may take its name.
const BootstrapUser = "admin"

// maxUserName bounds a name, in characters.
const maxUserName = 64

// User is an office account. PasswordHash is a bcrypt hash.
type User struct {
	Name, Role, PasswordHash string
	Disabled                 bool
	// PasswordChangedAt: sessions opened before it are no longer honoured.
	PasswordChangedAt, CreatedAt, UpdatedAt time.Time
}

type userRow struct {
	Name              string `db:"name"`
	Role              string `db:"role"`
	PasswordHash      string `db:"password_hash"`
	Disabled          bool   `db:"disabled"`
	PasswordChangedAt dbTime `db:"password_changed_at"`
	CreatedAt         dbTime `db:"created_at"`
	UpdatedAt         dbTime `db:"updated_at"`
}

func (r userRow) user() User {
	return User{Name: r.Name, Role: r.Role, PasswordHash: r.PasswordHash, Disabled: r.Disabled,
		PasswordChangedAt: r.PasswordChangedAt.Time, CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time}
}

// userState is what the audit log shows of an account: never its hash.
type userState struct {
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
}

// CheckUserName reports whether name may name an account: printable,
// without spaces, at most 64 characters, and not the bootstrap account's.
func CheckUserName(name string) error {
	switch {
	case name == "":
		return errors.New("a user name is required")
	case strings.EqualFold(name, BootstrapUser):
		return fmt.Errorf("%q is the bootstrap account of DUBAN_ADMIN_PASSWORD (or admin.password_hash): choose another name", name)
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxUserName:
		return fmt.Errorf("a user name has at most %d characters", maxUserName)
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("user name %q has a space or a control character", name)
	}
	return nil
}

// CheckRole reports whether role is a role.
func CheckRole(role string) error {
	if role != RoleAdmin && role != RoleViewer {
		return fmt.Errorf("unknown role %q: want admin or viewer", role)
	}
	return nil
}

// AddUser creates an account; ErrConflict when the name is taken.
func (s *Store) AddUser(ctx context.Context, u User, by Actor, now time.Time) error {
	if err := errors.Join(CheckUserName(u.Name), CheckRole(u.Role)); err != nil {
		return fmt.Errorf("store: add user: %w", err)
	}
	if u.PasswordHash == "" {
		return errors.New("store: add user: a password hash is required")
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := exec(ctx, tx, qInsertUser, u.Name, u.Role, u.PasswordHash, ts(now), ts(now), ts(now)); err != nil {
			return classify(err)
		}
		return audit(ctx, tx, by, now, ActionUserAdd, ObjectUser, u.Name, nil, userState{Role: u.Role})
	})
	if err != nil {
		return fmt.Errorf("store: add user %s: %w", u.Name, err)
	}
	return nil
}

// GetUser returns the account of name, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, name string) (User, error) {
	var r userRow
	if err := get(ctx, s.rdb, &r, qGetUser, name); err != nil {
		return User{}, fmt.Errorf("store: get user %s: %w", name, classify(err))
	}
	return r.user(), nil
}

// ListUsers returns every account, by name.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var rows []userRow
	if err := sel(ctx, s.rdb, &rows, qListUsers); err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, nil
}

// HasActiveUsers reports whether any account may log in.
func (s *Store) HasActiveUsers(ctx context.Context) (bool, error) {
	var n int
	if err := get(ctx, s.rdb, &n, qCountActiveUsers); err != nil {
		return false, fmt.Errorf("store: count users: %w", err)
	}
	return n > 0, nil
}

// SetUserDisabled disables (or enables again) an account; a disabled
// account cannot log in, and its sessions are no longer honoured.
func (s *Store) SetUserDisabled(ctx context.Context, name string, disabled bool, by Actor, now time.Time) error {
	action := ActionUserEnable
	if disabled {
		action = ActionUserDisable
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var before userRow
		if err := get(ctx, tx, &before, qGetUser, name); err != nil {
			return classify(err)
		}
		if err := execOne(ctx, tx, qSetUserDisabled, disabled, ts(now), name); err != nil {
			return err
		}
		return audit(ctx, tx, by, now, action, ObjectUser, name,
			userState{Role: before.Role, Disabled: before.Disabled}, userState{Role: before.Role, Disabled: disabled})
	})
	if err != nil {
		return fmt.Errorf("store: %s %s: %w", action, name, err)
	}
	return nil
}

// SetUserPassword sets an account's password hash; the account's sessions
// opened before now are no longer honoured.
func (s *Store) SetUserPassword(ctx context.Context, name, hash string, by Actor, now time.Time) error {
	if hash == "" {
		return errors.New("store: set password: a password hash is required")
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := execOne(ctx, tx, qSetUserPassword, hash, ts(now), ts(now), name); err != nil {
			return err
		}
		return audit(ctx, tx, by, now, ActionUserPasswd, ObjectUser, name, nil, nil)
	})
	if err != nil {
		return fmt.Errorf("store: set password of %s: %w", name, err)
	}
	return nil
}
