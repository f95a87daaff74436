package main

import (
	"context"

	"duban/config"
	"duban/store"
	"duban/web"
)

// startConsole serves the console on admin.listen until ctx ends; wait
// blocks until then (see web.Server.Listen).
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
	return console.Listen(ctx, cfg.Admin.Listen)
}
