package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"duban/config"
	"duban/store"
)

// shutdownTimeout bounds how long the console waits for requests in flight
// when the daemon stops.
const shutdownTimeout = 10 * time.Second

// ErrOpenToNetwork is CheckAccess's refusal: nobody could log in, so the
// console would be open to every machine that reaches it.
var ErrOpenToNetwork = errors.New("no console password is set and no account may log in")

// CheckAccess refuses a console that other machines can reach without a
// login: no bootstrap password and no account. On a loopback address the
// console may run open, so that a first start works without any setup.
func CheckAccess(ctx context.Context, a config.AdminConfig, st *store.Store) error {
	if HasPassword(a) || config.IsLoopback(a.Listen) {
		return nil
	}
	has, err := st.HasActiveUsers(ctx)
	if err != nil || has {
		return err
	}
	return fmt.Errorf("admin.listen %s accepts connections from other machines, but %w: "+
		"set DUBAN_ADMIN_PASSWORD (or admin.password_hash), add an account with duban user add, or listen on 127.0.0.1",
		a.Listen, ErrOpenToNetwork)
}

// Listen binds addr (admin.listen) and serves the console until ctx ends.
// The returned wait blocks until then and shuts the server down
// gracefully. A port that cannot be bound is an error here, so that the
// daemon fails at start.
func (s *Server) Listen(ctx context.Context, addr string) (wait func() error, err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin console: %w", err)
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.open(ctx) {
		s.log.Warn("admin console has no password: anyone who can connect to " + ln.Addr().String() +
			" can use it; set DUBAN_ADMIN_PASSWORD or add an account with duban user add to require a login")
	}
	s.log.Info("admin console: " + consoleURL(addr, ln.Addr()))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return func() error {
		select {
		case err := <-served: // the server died on its own: the daemon goes on without it
			s.log.Error("admin console stopped", "error", err)
			return fmt.Errorf("admin console: %w", err)
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		defer cancel()
		err := srv.Shutdown(sctx)
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		if err != nil {
			return fmt.Errorf("admin console: shut down: %w", err)
		}
		return nil
	}, nil
}

// consoleURL is the address to type in a browser: the configured host (as
// written, e.g. 127.0.0.1 or 0.0.0.0) with the port actually bound, which
// differs when the config asks for port 0.
func consoleURL(listen string, bound net.Addr) string {
	host, _, err := net.SplitHostPort(listen)
	_, port, perr := net.SplitHostPort(bound.String())
	if err != nil || perr != nil {
		return "http://" + bound.String() + "/"
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
