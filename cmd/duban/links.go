package main

import (
	"context"
	"time"

	"duban/config"
	"duban/internal/unitlink"
	"duban/store"
)

// unitLinks makes the units' links of the config: nil without public_url.
func (a *app) unitLinks(ctx context.Context, cfg *config.Config, st *store.Store) (*unitlink.Links, error) {
	if cfg.Admin.PublicURL == "" {
		return nil, nil
	}
	key, err := unitlink.ServerKey(ctx, cfg.Admin.SecretKey, st, a.now())
	if err != nil {
		return nil, err
	}
	return &unitlink.Links{Signer: unitlink.NewSigner(key), PublicURL: cfg.Admin.PublicURL, TTL: cfg.Admin.LinkTTL.Duration}, nil
}

// keyTimeout bounds reading (or making) the server key where a command has
// no context of its own to bound it.
const keyTimeout = 30 * time.Second
