package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"duban/config"
	"duban/internal/password"
	"duban/store"
)

// userJSON is a record of `duban user list --format json`.
type userJSON struct {
	Name              string `json:"name"`
	Role              string `json:"role"`
	Disabled          bool   `json:"disabled"`
	CreatedAt         string `json:"created_at"`
	PasswordChangedAt string `json:"password_changed_at"`
}

func (a *app) userCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the office's console accounts (admin: everything; viewer: reads only)",
		Long: "Manage the office's console accounts. An admin (整改办) does everything; a viewer\n" +
			"(领导, 纪检) reads every page and changes nothing. The bootstrap account \"admin\"\n" +
			"is the config's: its password comes from DUBAN_ADMIN_PASSWORD or admin.password_hash.",
	}
	cmd.AddCommand(a.userAddCommand(), a.userListCommand(), a.userPasswdCommand(),
		a.userDisableCommand(true), a.userDisableCommand(false))
	return cmd
}

// cliActor is who runs a command, for the audit log: the actor every
// change of the CLI records (--by, DUBAN_ACTOR, else the OS user).
func (a *app) cliActor() store.Actor {
	return store.Actor{Name: a.actor(), Kind: store.ActorCLI}
}

// checkUserName is the PreRunE of the commands that name an account.
func checkUserName(_ *cobra.Command, args []string) error {
	if err := store.CheckUserName(args[0]); err != nil {
		return badInput(err)
	}
	return nil
}

func (a *app) userAddCommand() *cobra.Command {
	var role string
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "add NAME --role admin|viewer [--password-stdin]",
		Short: "Add an account; its password is asked for (or read from standard input)",
		Args:  exactArgs(1),
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if role == "" {
				return badInputf("--role is required: admin or viewer")
			}
			if err := store.CheckRole(role); err != nil {
				return badInputf("--role: %w", err)
			}
			return checkUserName(cmd, args)
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, args []string) error {
			hash, err := a.newPassword(fromStdin)
			if err != nil {
				return err
			}
			err = st.AddUser(ctx, store.User{Name: args[0], Role: role, PasswordHash: hash}, a.cliActor(), a.now())
			if errors.Is(err, store.ErrConflict) {
				return badInputf("user %q exists already: change its password with duban user passwd", args[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "user %s added (%s)\n", args[0], role)
			return nil
		}),
	}
	cmd.Flags().StringVar(&role, "role", "", "admin (整改办: everything) or viewer (领导, 纪检: reads only)")
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	return cmd
}

func (a *app) userListCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the accounts",
		Args:    exactArgs(0),
		PreRunE: func(*cobra.Command, []string) error { return checkFormat(format) },
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) error {
			users, err := st.ListUsers(ctx)
			if err != nil {
				return err
			}
			at := func(t time.Time) string { return t.In(cfg.Location).Format(time.RFC3339) }
			v := rowsView{header: []string{"NAME", "ROLE", "STATUS", "CREATED", "PASSWORD CHANGED"}}
			out := make([]userJSON, 0, len(users))
			for _, u := range users {
				status := "active"
				if u.Disabled {
					status = "disabled"
				}
				out = append(out, userJSON{Name: u.Name, Role: u.Role, Disabled: u.Disabled,
					CreatedAt: at(u.CreatedAt), PasswordChangedAt: at(u.PasswordChangedAt)})
				v.rows = append(v.rows, []string{u.Name, u.Role, status,
					u.CreatedAt.In(cfg.Location).Format("2006-01-02 15:04"), u.PasswordChangedAt.In(cfg.Location).Format("2006-01-02 15:04")})
			}
			v.json = out
			return writeView(a.stdout, format, v)
		}),
	}
	formatFlag(cmd, &format)
	return cmd
}

func (a *app) userPasswdCommand() *cobra.Command {
	var fromStdin bool
	cmd := &cobra.Command{
		Use:     "passwd NAME [--password-stdin]",
		Short:   "Set an account's password; its sessions end",
		Args:    exactArgs(1),
		PreRunE: checkUserName,
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, args []string) error {
			if _, err := st.GetUser(ctx, args[0]); err != nil {
				return unknownUser(err, args[0])
			}
			hash, err := a.newPassword(fromStdin)
			if err != nil {
				return err
			}
			if err := st.SetUserPassword(ctx, args[0], hash, a.cliActor(), a.now()); err != nil {
				return unknownUser(err, args[0])
			}
			fmt.Fprintf(a.stdout, "password of %s changed\n", args[0])
			return nil
		}),
	}
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	return cmd
}

// userDisableCommand is `user disable` or, with disable false, `user enable`.
func (a *app) userDisableCommand(disable bool) *cobra.Command {
	use, short, done := "disable NAME", "Disable an account: it cannot log in, and its sessions end", "disabled"
	if !disable {
		use, short, done = "enable NAME", "Enable a disabled account again", "enabled"
	}
	return &cobra.Command{
		Use:     use,
		Short:   short,
		Args:    exactArgs(1),
		PreRunE: checkUserName,
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, args []string) error {
			if err := st.SetUserDisabled(ctx, args[0], disable, a.cliActor(), a.now()); err != nil {
				return unknownUser(err, args[0])
			}
			fmt.Fprintf(a.stdout, "user %s %s\n", args[0], done)
			return nil
		}),
	}
}

func unknownUser(err error, name string) error {
	if errors.Is(err, store.ErrNotFound) {
		return badInputf("no user %q (see duban user list)", name)
	}
	return err
}

// newPassword reads a new password, checks it against the rules and
// returns its hash. From standard input it takes the first line; else it
// asks twice on the terminal without echo.
func (a *app) newPassword(fromStdin bool) (string, error) {
	var pw string
	if fromStdin {
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		var err error
		if pw, err = a.askPassword(); err != nil {
			return "", err
		}
	}
	if err := password.Check(pw); err != nil {
		return "", badInput(err)
	}
	return password.Hash(pw)
}

func (a *app) askPassword() (string, error) {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", badInputf("no terminal to ask for the password on: give it on standard input with --password-stdin")
	}
	read := func(prompt string) (string, error) {
		fmt.Fprint(a.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		return string(b), nil
	}
	pw, err := read("Password: ")
	if err != nil {
		return "", err
	}
	again, err := read("Password again: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", badInputf("the two passwords differ")
	}
	return pw, nil
}
