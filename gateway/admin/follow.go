package admin

import (
	"context"
)

// Follow applies the store's live config and consumers to this node
// whenever the store reports a change (another node's publish or consumer
// change, or this node's own, which is then a no-op), until ctx is done or
// the store closes its watch. Applies take the write lock, so a watch that
// read an older revision cannot swap it in after a newer publish.
//
// Once the watch is registered it syncs once: a change committed between
// the caller's last apply and the registration sends no signal, and would
// otherwise stay unapplied until the next change (an unchanged revision is
// a no-op).
func (s *API) Follow(ctx context.Context) {
	ch := s.store.Watch(ctx)
	s.syncOnce(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-ch:
			if !ok {
				return
			}
		}
		s.syncOnce(ctx)
	}
}

// syncOnce applies what the store holds now.
func (s *API) syncOnce(ctx context.Context) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cfg, err := s.current(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("admin: follow: read live config", "err", err)
		}
		return
	}
	if err := s.applyLocked(ctx, cfg); err != nil {
		if ctx.Err() == nil {
			s.log.Error("admin: follow: STORED REVISION REJECTED by this node; still serving the previous one",
				"revision", cfg.Revision, "live", s.gw.Revision(), "err", err)
		}
		return
	}
	s.log.Debug("admin: follow: in sync", "revision", cfg.Revision)
}
