package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gwctl/gwctl/gateway/config"
)

// FileStore is the embedded store: one directory, one process at a time.
//
// Layout (all files 0600, the directory 0700: configurations can hold JWT
// HMAC secrets):
//
//	LOCK                      held with flock while the store is open
//	rev-<seq, 20 digits>.json one per accepted revision; the last 20 kept
//	consumers-<seq>.json      the whole consumer list; the last 3 kept
//	.tmp-*                    a write in progress (removed when opening)
//
// Each data file is an envelope {"format":1,"sha256":"<hex>","body":{…}}
// whose checksum covers the exact bytes of body. A revision's body is
// {"seq","info","config"}; a consumers body is {"seq","consumers"}.
//
// The live revision is the valid revision file with the highest sequence
// number: there is no separate pointer to keep in step. A file is written
// under a temporary name, fsynced, renamed to its final name, then the
// directory is fsynced; Commit returns only after that. A crash at any
// point therefore leaves either no new file (only a .tmp-* one, ignored
// and removed) or a complete one: the old or the new revision is live,
// never a mix. Whatever is found damaged (checksum, JSON, a sequence number
// that does not match the name, a revision id that does not match the
// content) is reported with logger.Error and in Warnings, and the previous
// valid revision is served; if files exist but none is valid, OpenFile
// fails rather than serve an empty configuration.
//
// Watch signals changes made through this FileStore: the lock keeps any
// other process out of the directory.
type FileStore struct {
	dir  string
	log  *slog.Logger
	lock *os.File

	// writeMu serialises changes (the compare-and-swap is decided and
	// written under it); readers never wait for a disk write.
	writeMu sync.Mutex

	mu        sync.RWMutex // guards the fields below
	closed    bool
	done      chan struct{}
	live      *liveRevision // nil: nothing published
	revs      []revEntry    // valid revisions, newest first
	revFiles  []uint64      // every revision file on disk, valid or not
	consumers []config.Consumer
	consFiles []uint64
	warnings  []string
	watchers  map[*watcher]struct{}
}

var _ Store = (*FileStore)(nil)

const (
	lockName    = "LOCK"
	revPrefix   = "rev-"
	consPrefix  = "consumers-"
	fileSuffix  = ".json"
	tmpPrefix   = ".tmp-"
	seqDigits   = 20
	keepRevs    = 20
	keepCons    = 3
	fileFormat  = 1
	dirPerm     = 0o700
	maxFileSize = 1 << 30
)

type revEntry struct {
	seq  uint64
	info config.RevisionInfo
}

// liveRevision is the served revision, decoded; callers get deep copies.
type liveRevision struct {
	revEntry
	config *config.Config
}

type revisionBody struct {
	Seq    uint64              `json:"seq"`
	Info   config.RevisionInfo `json:"info"`
	Config json.RawMessage     `json:"config"`
}

type consumersBody struct {
	Seq       uint64            `json:"seq"`
	Consumers []config.Consumer `json:"consumers"`
}

type envelope struct {
	Format int             `json:"format"`
	SHA256 string          `json:"sha256"`
	Body   json.RawMessage `json:"body"`
}

type watcher struct{ ch chan struct{} }

// OpenFile opens (creating it if needed, mode 0700) the store in dir and
// locks it against other processes (ErrLocked). logger may be nil.
func OpenFile(dir string, logger *slog.Logger) (*FileStore, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if dir == "" {
		return nil, errors.New("store: open: empty directory name")
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("store: open %s: not a directory", dir)
	}
	lock, err := lockDir(filepath.Join(dir, lockName))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s := &FileStore{
		dir:      dir,
		log:      logger,
		lock:     lock,
		done:     make(chan struct{}),
		watchers: make(map[*watcher]struct{}),
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 && !isWindows {
		s.warn(fmt.Sprintf("store directory %s has mode %#o: other users can read configurations (which may hold JWT secrets); use 0700", dir, perm))
	}
	if err := s.load(); err != nil {
		unlockDir(lock)
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	return s, nil
}

// Warnings returns what OpenFile found wrong but could work around
// (damaged files, loose permissions), for `gwctl gateway` and the admin
// status to show.
func (s *FileStore) Warnings() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.warnings)
}

// Dir returns the store's directory.
func (s *FileStore) Dir() string { return s.dir }

func (s *FileStore) warn(msg string, args ...any) {
	s.log.Error("store: "+msg, args...)
	s.mu.Lock()
	s.warnings = append(s.warnings, msg)
	s.mu.Unlock()
}

// load reads the directory: removes abandoned temporary files, finds the
// newest valid revision and consumer list.
func (s *FileStore) load() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, tmpPrefix):
			// An interrupted write: never renamed, so never live.
			if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				s.warn(fmt.Sprintf("cannot remove abandoned temporary file %s: %v", name, err))
			}
		case hasSeqName(name, revPrefix):
			s.revFiles = append(s.revFiles, parseSeq(name, revPrefix))
		case hasSeqName(name, consPrefix):
			s.consFiles = append(s.consFiles, parseSeq(name, consPrefix))
		}
	}
	slices.Sort(s.revFiles)
	slices.Sort(s.consFiles)

	for i := len(s.revFiles) - 1; i >= 0; i-- {
		seq := s.revFiles[i]
		body, err := s.readRevision(seq)
		if err == nil && s.live == nil {
			// Only the revision to serve is decoded completely, and
			// checked against its id.
			var cfg *config.Config
			cfg, err = checkConfig(body)
			if err == nil {
				s.live = &liveRevision{revEntry: revEntry{seq: seq, info: body.Info}, config: cfg}
			}
		}
		if err != nil {
			next := "the previous valid revision is served"
			if s.live != nil {
				next = "it is not the live revision"
			}
			s.warn(fmt.Sprintf("revision file %s is damaged (%v); %s", seqName(revPrefix, seq), err, next),
				"file", filepath.Join(s.dir, seqName(revPrefix, seq)), "err", err)
			continue
		}
		s.revs = append(s.revs, revEntry{seq: seq, info: body.Info})
	}
	if len(s.revFiles) > 0 && s.live == nil {
		return fmt.Errorf("none of the %d revision files is valid: refusing to serve an empty configuration (see the errors above; restore a backup or move the files away)", len(s.revFiles))
	}
	if s.live != nil {
		s.log.Info("store: opened", "dir", s.dir, "revision", s.live.info.Revision, "revisions", len(s.revs))
	}

	for i := len(s.consFiles) - 1; i >= 0; i-- {
		seq := s.consFiles[i]
		cb, err := s.readConsumers(seq)
		if err != nil {
			s.warn(fmt.Sprintf("consumers file %s is damaged (%v); the previous valid one is used", seqName(consPrefix, seq), err),
				"file", filepath.Join(s.dir, seqName(consPrefix, seq)), "err", err)
			continue
		}
		s.consumers = cb.Consumers
		return nil
	}
	if len(s.consFiles) > 0 {
		return fmt.Errorf("none of the %d consumers files is valid: refusing to start without consumers", len(s.consFiles))
	}
	return nil
}

// checkConfig decodes a revision's config and checks it has the revision
// id it is stored under.
func checkConfig(b *revisionBody) (*config.Config, error) {
	var c config.Config
	if err := json.Unmarshal(b.Config, &c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.Normalize() // the live value is handed out shared: it must be canonical already
	if got := c.ComputeRevision(); got != b.Info.Revision {
		return nil, fmt.Errorf("content has revision %q, stored as %q", got, b.Info.Revision)
	}
	c.Revision = b.Info.Revision
	return &c, nil
}

func (s *FileStore) readRevision(seq uint64) (*revisionBody, error) {
	raw, err := readEnvelope(filepath.Join(s.dir, seqName(revPrefix, seq)))
	if err != nil {
		return nil, err
	}
	var b revisionBody
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	if b.Seq != seq {
		return nil, fmt.Errorf("body has sequence %d, not %d", b.Seq, seq)
	}
	if len(b.Config) == 0 {
		return nil, errors.New("no config")
	}
	return &b, nil
}

func (s *FileStore) readConsumers(seq uint64) (*consumersBody, error) {
	raw, err := readEnvelope(filepath.Join(s.dir, seqName(consPrefix, seq)))
	if err != nil {
		return nil, err
	}
	var b consumersBody
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	if b.Seq != seq {
		return nil, fmt.Errorf("body has sequence %d, not %d", b.Seq, seq)
	}
	return &b, nil
}

// readEnvelope reads a data file and returns its body once the checksum
// matches.
func readEnvelope(path string) (json.RawMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("not a store file (truncated?): %w", err)
	}
	if env.Format != fileFormat {
		return nil, fmt.Errorf("unknown format %d", env.Format)
	}
	sum := sha256.Sum256(env.Body)
	if hex.EncodeToString(sum[:]) != env.SHA256 {
		return nil, errors.New("checksum mismatch")
	}
	return env.Body, nil
}

// encodeEnvelope wraps body (written verbatim, so the checksum covers
// exactly what is read back).
func encodeEnvelope(body []byte) []byte {
	sum := sha256.Sum256(body)
	var b bytes.Buffer
	b.Grow(len(body) + 128)
	b.WriteString(`{"format":`)
	b.WriteString(strconv.Itoa(fileFormat))
	b.WriteString(`,"sha256":"`)
	b.WriteString(hex.EncodeToString(sum[:]))
	b.WriteString(`","body":`)
	b.Write(body)
	b.WriteString("}\n")
	return b.Bytes()
}

func seqName(prefix string, seq uint64) string {
	return fmt.Sprintf("%s%0*d%s", prefix, seqDigits, seq, fileSuffix)
}

func hasSeqName(name, prefix string) bool {
	digits, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return false
	}
	digits, ok = strings.CutSuffix(digits, fileSuffix)
	if !ok || len(digits) != seqDigits {
		return false
	}
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return false
		}
	}
	_, err := strconv.ParseUint(digits, 10, 64)
	return err == nil
}

func parseSeq(name, prefix string) uint64 {
	n, _ := strconv.ParseUint(name[len(prefix):len(prefix)+seqDigits], 10, 64)
	return n
}

// faultHook lets tests fail (or crash) a write of file name at a step:
// "write", "sync", "rename" (all before the rename), "syncdir" (after it).
var faultHook func(step, name string) error

func fault(step, name string) error {
	if faultHook != nil {
		return faultHook(step, name)
	}
	return nil
}

// writeFile writes data to name atomically and durably: temporary file in
// the same directory, write, fsync, rename, fsync the directory. On error
// nothing new is left under name.
func (s *FileStore) writeFile(name string, data []byte) (err error) {
	f, err := os.CreateTemp(s.dir, tmpPrefix+name+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if err == nil {
			return
		}
		if !renamed {
			_ = f.Close()
			_ = os.Remove(tmp)
			return
		}
		// The rename happened but is not known to be durable: take it
		// back, so that what the caller is told (failure) is what a
		// restart will find.
		if rmErr := os.Remove(filepath.Join(s.dir, name)); rmErr == nil {
			_ = syncDir(s.dir)
		} else {
			err = fmt.Errorf("%w (and %s could not be removed: %v)", err, name, rmErr)
		}
	}()
	if err = fault("write", name); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = fault("sync", name); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = fault("rename", name); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(s.dir, name)); err != nil {
		return err
	}
	renamed = true
	if err = fault("syncdir", name); err != nil {
		return err
	}
	return syncDir(s.dir)
}

// prune removes the oldest files beyond keep (the newest keep sequence
// numbers stay, valid or not). Failures are only reported: they never
// affect what is live.
func (s *FileStore) prune(prefix string, files []uint64, keep int) []uint64 {
	if len(files) <= keep {
		return files
	}
	n := len(files) - keep
	for _, seq := range files[:n] {
		if err := os.Remove(filepath.Join(s.dir, seqName(prefix, seq))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("store: prune", "file", seqName(prefix, seq), "err", err)
		}
	}
	return slices.Clone(files[n:])
}

func (s *FileStore) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed {
		return ErrClosed
	}
	return nil
}

// Current returns a fresh copy of the live configuration.
func (s *FileStore) Current(ctx context.Context) (*config.Config, error) {
	c, err := s.CurrentShared(ctx)
	if err != nil {
		return nil, err
	}
	cp := deepCopy(*c)
	return &cp, nil
}

// CurrentShared implements Shared: the live configuration itself, never
// copied. It is immutable: neither the store nor any caller may change it.
func (s *FileStore) CurrentShared(ctx context.Context) (*config.Config, error) {
	s.mu.RLock()
	err := s.check(ctx)
	live := s.live
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if live == nil {
		return &config.Config{}, nil
	}
	return live.config, nil
}

// Commit implements Store.
func (s *FileStore) Commit(ctx context.Context, expected string, next *config.Config, info config.RevisionInfo) error {
	if next == nil {
		return errors.New("store: commit: nil config")
	}
	snap := deepCopy(*next)
	return s.commit(ctx, expected, &snap, info)
}

// CommitOwned implements Shared: Commit without the copy. next becomes the
// live value that CurrentShared hands out; the caller must not change it
// (or anything it references) afterwards.
func (s *FileStore) CommitOwned(ctx context.Context, expected string, next *config.Config, info config.RevisionInfo) error {
	if next == nil {
		return errors.New("store: commit: nil config")
	}
	return s.commit(ctx, expected, next, info)
}

// commit stores next, which the store owns from now on.
func (s *FileStore) commit(ctx context.Context, expected string, next *config.Config, info config.RevisionInfo) error {
	// Encode and check outside the lock. The content is stored without its
	// revision field; the revision goes into info.
	cp := *next
	cp.Revision = ""
	cfgJSON, err := json.Marshal(&cp)
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if sum := sha256.Sum256(cfgJSON); hex.EncodeToString(sum[:8]) != next.Revision {
		// Not normalized, empty, or wrong: normalize our copy (so it is
		// stored canonical, and the live value stays normalized) and ask
		// the config package.
		next.Normalize()
		if got := next.ComputeRevision(); got != next.Revision {
			return fmt.Errorf("store: commit: revision %q does not match the content (%q)", next.Revision, got)
		}
		cp = *next
		cp.Revision = ""
		if cfgJSON, err = json.Marshal(&cp); err != nil {
			return fmt.Errorf("store: commit: %w", err)
		}
	}
	routes := 0
	for _, o := range next.Owners {
		routes += len(o.Routes)
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.RLock()
	err = s.check(ctx)
	live := s.live
	lastSeq := uint64(0)
	if n := len(s.revFiles); n > 0 {
		lastSeq = s.revFiles[n-1]
	}
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	liveRev := ""
	if live != nil {
		liveRev = live.info.Revision
	}
	if liveRev != expected {
		return fmt.Errorf("%w: live revision is %q, not %q", ErrConflict, liveRev, expected)
	}
	if next.Revision == liveRev {
		return nil // unchanged: nothing to write
	}

	seq := lastSeq + 1
	info.Revision = next.Revision
	info.Previous = liveRev
	info.Routes = routes
	if info.CreatedAt.IsZero() {
		info.CreatedAt = time.Now().UTC()
	}
	infoJSON, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	var body bytes.Buffer
	body.Grow(len(cfgJSON) + len(infoJSON) + 64)
	fmt.Fprintf(&body, `{"seq":%d,"info":`, seq)
	body.Write(infoJSON)
	body.WriteString(`,"config":`)
	body.Write(cfgJSON)
	body.WriteString("}")
	if err := s.writeFile(seqName(revPrefix, seq), encodeEnvelope(body.Bytes())); err != nil {
		return fmt.Errorf("store: commit revision %s: %w", next.Revision, err)
	}

	s.mu.Lock()
	s.live = &liveRevision{revEntry: revEntry{seq: seq, info: info}, config: next}
	s.revs = append([]revEntry{{seq: seq, info: info}}, s.revs...)
	s.revFiles = s.prune(revPrefix, append(s.revFiles, seq), keepRevs)
	s.revs = slices.DeleteFunc(s.revs, func(e revEntry) bool { return e.seq < s.revFiles[0] })
	s.notifyLocked()
	s.mu.Unlock()
	s.log.Info("store: committed", "revision", info.Revision, "previous", info.Previous, "owner", info.Owner, "action", info.Action, "routes", routes)
	return nil
}

// Revisions implements Store.
func (s *FileStore) Revisions(ctx context.Context) ([]config.RevisionInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	out := make([]config.RevisionInfo, len(s.revs))
	for i, e := range s.revs {
		out[i] = e.info
	}
	return out, nil
}

// Revision implements Store.
func (s *FileStore) Revision(ctx context.Context, id string) (*config.Config, error) {
	s.mu.RLock()
	err := s.check(ctx)
	live := s.live
	var seq uint64
	found := false
	for _, e := range s.revs {
		if e.info.Revision == id {
			seq, found = e.seq, true
			break
		}
	}
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: revision %q", ErrNotFound, id)
	}
	if live != nil && live.seq == seq {
		c := deepCopy(*live.config)
		return &c, nil
	}
	b, err := s.readRevision(seq)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: revision %q", ErrNotFound, id) // pruned meanwhile
	}
	var c *config.Config
	if err == nil {
		c, err = checkConfig(b)
	}
	if err != nil {
		return nil, fmt.Errorf("store: revision %s (%s): %w", id, seqName(revPrefix, seq), err)
	}
	return c, nil
}

// Consumers implements Store.
func (s *FileStore) Consumers(ctx context.Context) ([]config.Consumer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	out := make([]config.Consumer, len(s.consumers))
	for i, c := range s.consumers {
		out[i] = cloneConsumer(c)
	}
	return out, nil
}

func cloneConsumer(c config.Consumer) config.Consumer {
	c.Scopes = slices.Clone(c.Scopes)
	c.Credentials = slices.Clone(c.Credentials)
	return c
}

// checkConsumer refuses what must never be stored: no id, or a credential
// that is not a hash.
func checkConsumer(c config.Consumer) error {
	if c.ID == "" {
		return errors.New("missing id")
	}
	for _, cr := range c.Credentials {
		switch cr.Type {
		case config.KeyAuth:
			if len(cr.KeyHash) != 2*sha256.Size || strings.ToLower(cr.KeyHash) != cr.KeyHash {
				return fmt.Errorf("credential %q: keyHash must be a lower-case hex SHA-256 (never the key)", cr.ID)
			}
			if _, err := hex.DecodeString(cr.KeyHash); err != nil {
				return fmt.Errorf("credential %q: keyHash must be a lower-case hex SHA-256 (never the key)", cr.ID)
			}
		case config.BasicAuth:
			if cr.Username == "" {
				return fmt.Errorf("credential %q: missing username", cr.ID)
			}
			if _, err := bcrypt.Cost([]byte(cr.PasswordHash)); err != nil {
				return fmt.Errorf("credential %q: passwordHash must be a bcrypt hash (never the password)", cr.ID)
			}
		default:
			return fmt.Errorf("credential %q: unknown type %q", cr.ID, cr.Type)
		}
	}
	return nil
}

// PutConsumer implements Store.
func (s *FileStore) PutConsumer(ctx context.Context, c config.Consumer) error {
	if err := checkConsumer(c); err != nil {
		return fmt.Errorf("store: consumer %q: %w", c.ID, err)
	}
	c = cloneConsumer(c)
	return s.changeConsumers(ctx, func(list []config.Consumer) ([]config.Consumer, error) {
		keys, users := map[string]bool{}, map[string]bool{}
		for _, cr := range c.Credentials {
			if cr.Type == config.KeyAuth {
				keys[cr.KeyHash] = true
			} else {
				users[cr.Username] = true
			}
		}
		replaced := false
		for i, o := range list {
			if o.ID == c.ID {
				list[i], replaced = c, true
				continue
			}
			for _, cr := range o.Credentials {
				if keys[cr.KeyHash] && cr.Type == config.KeyAuth || users[cr.Username] && cr.Type == config.BasicAuth {
					return nil, fmt.Errorf("%w: consumer %q: credential %q of consumer %q has the same key or username", ErrConflict, c.ID, cr.ID, o.ID)
				}
			}
		}
		if !replaced {
			list = append(list, c)
		}
		slices.SortFunc(list, func(a, b config.Consumer) int { return strings.Compare(a.ID, b.ID) })
		return list, nil
	})
}

// DeleteConsumer implements Store.
func (s *FileStore) DeleteConsumer(ctx context.Context, id string) error {
	return s.changeConsumers(ctx, func(list []config.Consumer) ([]config.Consumer, error) {
		i := slices.IndexFunc(list, func(c config.Consumer) bool { return c.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("%w: consumer %q", ErrNotFound, id)
		}
		return slices.Delete(list, i, i+1), nil
	})
}

// changeConsumers applies change to a copy of the list and writes it.
func (s *FileStore) changeConsumers(ctx context.Context, change func([]config.Consumer) ([]config.Consumer, error)) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.RLock()
	err := s.check(ctx)
	list := slices.Clone(s.consumers)
	lastSeq := uint64(0)
	if n := len(s.consFiles); n > 0 {
		lastSeq = s.consFiles[n-1]
	}
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	list, err = change(list)
	if err != nil {
		return err
	}
	seq := lastSeq + 1
	body, err := json.Marshal(consumersBody{Seq: seq, Consumers: list})
	if err != nil {
		return fmt.Errorf("store: consumers: %w", err)
	}
	if err := s.writeFile(seqName(consPrefix, seq), encodeEnvelope(body)); err != nil {
		return fmt.Errorf("store: consumers: %w", err)
	}
	s.mu.Lock()
	s.consumers = list
	s.consFiles = s.prune(consPrefix, append(s.consFiles, seq), keepCons)
	s.notifyLocked()
	s.mu.Unlock()
	return nil
}

// Watch implements Store.
func (s *FileStore) Watch(ctx context.Context) <-chan struct{} {
	w := &watcher{ch: make(chan struct{}, 1)}
	s.mu.Lock()
	if s.closed || ctx.Err() != nil {
		s.mu.Unlock()
		close(w.ch)
		return w.ch
	}
	s.watchers[w] = struct{}{}
	s.mu.Unlock()
	go func() {
		select {
		case <-ctx.Done():
		case <-s.done:
		}
		s.mu.Lock()
		delete(s.watchers, w)
		close(w.ch)
		s.mu.Unlock()
	}()
	return w.ch
}

func (s *FileStore) notifyLocked() {
	for w := range s.watchers {
		select {
		case w.ch <- struct{}{}:
		default: // a signal is already pending: coalesce
		}
	}
}

// Close releases the lock; watchers' channels are closed. It is safe to
// call more than once.
func (s *FileStore) Close() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.done)
	return unlockDir(s.lock)
}
