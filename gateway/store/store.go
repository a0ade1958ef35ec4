// Package store keeps the gateway's published configuration revisions and
// its consumers. Store is the interface the admin API and the gateway use;
// FileStore (OpenFile) is the embedded default, a directory on local disk.
// A cluster store (etcd) implements the same interface.
package store

import (
	"context"
	"errors"

	"github.com/gwctl/gwctl/gateway/config"
)

var (
	// ErrConflict: the live revision is not the expected one (Commit), or
	// a consumer's key or username belongs to another consumer
	// (PutConsumer).
	ErrConflict = errors.New("store: conflict")
	// ErrNotFound: no such revision or consumer.
	ErrNotFound = errors.New("store: not found")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
	// ErrLocked: another process has the store open.
	ErrLocked = errors.New("store: locked by another process")
)

// Shared is implemented by stores that can skip the copies of Current and
// Commit, for callers that handle the configuration read-only (the admin
// API's publish path: a 10,000-route config is several MB of copying per
// copy). FileStore implements it.
type Shared interface {
	// CurrentShared is Current without the copy: the value is shared with
	// the store and every other caller and must never be modified, not
	// even normalized in place (config.Owner.Normalize is a no-op on an
	// already normalized owner; stored configurations are normalized).
	CurrentShared(ctx context.Context) (*config.Config, error)
	// CommitOwned is Commit taking ownership of next instead of copying it:
	// on success next is the value CurrentShared returns, so the caller
	// must not modify next, or anything it references, afterwards (on
	// error it may).
	CommitOwned(ctx context.Context, expected string, next *config.Config, info config.RevisionInfo) error
}

var _ Shared = (*FileStore)(nil)

// Store holds configuration revisions and consumers. Implementations are
// safe for concurrent use. Values returned are copies the caller owns.
type Store interface {
	// Current returns the live configuration: an empty Config with
	// Revision "" when nothing was published.
	Current(ctx context.Context) (*config.Config, error)
	// Commit makes next the live configuration if the live revision is
	// still expected (compare-and-swap; ErrConflict otherwise).
	// next.Revision must equal next.ComputeRevision(). info describes the
	// change (Owner, Action); Revision, Previous and Routes are filled in,
	// and CreatedAt when zero. Committing the live revision again is a
	// no-op.
	Commit(ctx context.Context, expected string, next *config.Config, info config.RevisionInfo) error
	// Revisions lists the stored revisions, newest first.
	Revisions(ctx context.Context) ([]config.RevisionInfo, error)
	// Revision returns a stored revision (the newest copy when the same
	// content was committed more than once), or ErrNotFound.
	Revision(ctx context.Context, id string) (*config.Config, error)
	// Consumers lists every consumer, sorted by ID.
	Consumers(ctx context.Context) ([]config.Consumer, error)
	// PutConsumer creates or replaces (by ID) a consumer. Credentials hold
	// hashes only; a key hash or username that another consumer uses is
	// ErrConflict.
	PutConsumer(ctx context.Context, c config.Consumer) error
	// DeleteConsumer removes a consumer, or returns ErrNotFound.
	DeleteConsumer(ctx context.Context, id string) error
	// Watch returns a channel that receives (coalesced) after any change
	// to the configuration or the consumers, until ctx is done or the
	// store is closed; then it is closed.
	Watch(ctx context.Context) <-chan struct{}
	// Close releases the store.
	Close() error
}
