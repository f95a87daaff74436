package main

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
	"duban/web"
)

// consoleShutdownTimeout bounds how long serve waits for console requests
// in flight when it stops.
const consoleShutdownTimeout = 10 * time.Second

// checkConsoleAccess refuses a console that other machines can reach
// without a password. On a loopback address the console may run open, so
// that a first start works without any setup.
func checkConsoleAccess(cfg *config.Config) error {
	if cfg.Admin.PasswordHash != "" {
		if err := web.CheckPasswordHash(cfg.Admin.PasswordHash); err != nil {
			return badInput(err)
		}
	}
	if web.HasPassword(cfg.Admin) || web.IsLoopback(cfg.Admin.Listen) {
		return nil
	}
	return badInputf("admin.listen %s accepts connections from other machines, but no console password is set: "+
		"set DUBAN_ADMIN_PASSWORD (or admin.password_hash), or listen on 127.0.0.1", cfg.Admin.Listen)
}

// startConsole listens on admin.listen and serves the console until ctx
// ends. The returned wait blocks until then and shuts the server down
// gracefully. A port that cannot be bound fails serve at start.
func (a *app) startConsole(ctx context.Context, cfg *config.Config, st *store.Store, metrics *web.Metrics, wake func()) (wait func() error, err error) {
	duties, err := cfg.DutySpecs()
	if err != nil {
		return nil, badInput(err)
	}
	console, err := web.New(web.Options{
		Store: st, Config: cfg, Metrics: metrics, Now: a.now, Logger: a.logger, Started: a.now(),
		Duties: duties, Wake: wake,
	})
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Admin.Listen)
	if err != nil {
		return nil, fmt.Errorf("admin console: %w", err)
	}
	srv := &http.Server{
		Handler:           console,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	a.logger.Info("admin console: " + consoleURL(cfg.Admin.Listen, ln.Addr()))
	if console.Open() {
		a.logger.Warn("admin console has no password: anyone who can connect to " + ln.Addr().String() +
			" can use it; set DUBAN_ADMIN_PASSWORD to require a login")
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return func() error {
		select {
		case err := <-served: // the server died on its own: the daemon goes on without it
			a.logger.Error("admin console stopped", "error", err)
			return fmt.Errorf("admin console: %w", err)
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), consoleShutdownTimeout)
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
