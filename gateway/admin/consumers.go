package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gwctl/gwctl/gateway/auth"
	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/store"
)

// Limits on consumer input. Names and scopes end up in the identity
// headers the gateway sends upstream, so they stay header-safe.
const (
	maxNameLen   = 128
	minKeyLen    = 8
	maxSecretLen = 1024
	keyHintLen   = 8
)

// redact returns c without secret hashes, as every response shows it.
func redact(c config.Consumer) config.Consumer {
	creds := make([]config.Credential, len(c.Credentials))
	for i, cr := range c.Credentials {
		cr.KeyHash = ""
		cr.PasswordHash = ""
		creds[i] = cr
	}
	if c.Credentials == nil {
		creds = nil
	}
	c.Credentials = creds
	return c
}

func (s *API) consumers(ctx context.Context) ([]config.Consumer, error) {
	cs, err := s.store.Consumers(ctx)
	if err != nil {
		return nil, fmt.Errorf("read consumers: %w", err)
	}
	return cs, nil
}

// find looks a consumer up by id, then by name (so `gwctl consumers rm
// NAME` needs no extra round trip).
func find(cs []config.Consumer, idOrName string) (config.Consumer, bool) {
	for _, c := range cs {
		if c.ID == idOrName {
			return c, true
		}
	}
	for _, c := range cs {
		if c.Name == idOrName {
			return c, true
		}
	}
	return config.Consumer{}, false
}

func notFoundConsumer(id string) error {
	return &Error{Status: http.StatusNotFound, Title: "Consumer not found",
		Detail: fmt.Sprintf("no consumer has id or name %q; see GET /admin/consumers", id)}
}

func (s *API) listConsumers(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consumers(r.Context())
	if err != nil {
		return err
	}
	out := make([]config.Consumer, len(cs))
	for i, c := range cs {
		out[i] = redact(c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *API) getConsumer(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consumers(r.Context())
	if err != nil {
		return err
	}
	c, ok := find(cs, r.PathValue("id"))
	if !ok {
		return notFoundConsumer(r.PathValue("id"))
	}
	writeJSON(w, http.StatusOK, redact(c))
	return nil
}

func (s *API) createConsumer(w http.ResponseWriter, r *http.Request) error {
	var req config.ConsumerRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var errs []config.FieldError
	if msg := checkName(req.Name); msg != "" {
		errs = append(errs, config.FieldError{Field: "name", Message: msg})
	}
	scopes, scopeErrs := checkScopes(req.Scopes)
	errs = append(errs, scopeErrs...)
	var creds []credentialInput
	if req.KeyAuth || req.Key != "" {
		creds = append(creds, credentialInput{field: "key", typ: config.KeyAuth, key: string(req.Key)})
	}
	if req.Username != "" || req.Password != "" {
		creds = append(creds, credentialInput{field: "username", typ: config.BasicAuth, username: req.Username, password: string(req.Password)})
	}
	for _, in := range creds {
		errs = append(errs, in.check()...)
	}
	if len(errs) > 0 {
		return &Error{Status: http.StatusUnprocessableEntity, Title: "Invalid consumer", Errors: errs,
			Detail: fmt.Sprintf("%d error(s); nothing was created", len(errs))}
	}

	ctx := context.WithoutCancel(r.Context())
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cs, err := s.consumers(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.Name == req.Name {
			return &Error{Status: http.StatusConflict, Title: "Consumer exists",
				Detail: fmt.Sprintf("a consumer named %q already exists (id %s); add a credential to it with POST /admin/consumers/%s/credentials", c.Name, c.ID, c.ID)}
		}
	}
	c := config.Consumer{ID: newID("c_"), Name: req.Name, Scopes: scopes, CreatedAt: s.now().UTC()}
	var plainKey string
	for _, in := range creds {
		cred, key, err := in.build(cs)
		if err != nil {
			return err
		}
		if key != "" {
			plainKey = key
		}
		c.Credentials = append(c.Credentials, cred)
	}
	if err := s.putConsumerLocked(ctx, c, "create"); err != nil {
		return err
	}
	w.Header().Set("Location", "/admin/consumers/"+c.ID)
	writeJSON(w, http.StatusCreated, config.ConsumerCreated{Consumer: redact(c), Key: plainKey})
	return nil
}

func (s *API) addCredential(w http.ResponseWriter, r *http.Request) error {
	var req config.CredentialRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	in := credentialInput{field: "type", typ: req.Type, key: string(req.Key), username: req.Username, password: string(req.Password)}
	switch req.Type {
	case config.KeyAuth:
		if req.Username != "" || req.Password != "" {
			return &Error{Status: http.StatusUnprocessableEntity, Title: "Invalid credential",
				Errors: []config.FieldError{{Field: "username", Message: "only basic-auth credentials have a username and password"}}}
		}
	case config.BasicAuth:
		if req.Key != "" {
			return &Error{Status: http.StatusUnprocessableEntity, Title: "Invalid credential",
				Errors: []config.FieldError{{Field: "key", Message: "only key-auth credentials have a key"}}}
		}
	default:
		return &Error{Status: http.StatusUnprocessableEntity, Title: "Invalid credential",
			Errors: []config.FieldError{{Field: "type", Message: fmt.Sprintf("is %q; use %q or %q", req.Type, config.KeyAuth, config.BasicAuth)}}}
	}
	if errs := in.check(); len(errs) > 0 {
		return &Error{Status: http.StatusUnprocessableEntity, Title: "Invalid credential", Errors: errs}
	}

	return s.withConsumer(r, func(ctx context.Context, cs []config.Consumer, c config.Consumer) error {
		cred, key, err := in.build(cs)
		if err != nil {
			return err
		}
		c.Credentials = append(append([]config.Credential(nil), c.Credentials...), cred)
		if err := s.putConsumerLocked(ctx, c, "add-credential"); err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, config.ConsumerCreated{Consumer: redact(c), Key: key})
		return nil
	})
}

// updateConsumer renames a consumer or replaces its scopes, keeping its id
// and credentials (a scope change needs no new key).
func (s *API) updateConsumer(w http.ResponseWriter, r *http.Request) error {
	var req config.ConsumerUpdate
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Name == nil && req.Scopes == nil {
		return &Error{Status: http.StatusUnprocessableEntity, Title: "Nothing to change",
			Detail: `give "name", "scopes" or both`}
	}
	var errs []config.FieldError
	if req.Name != nil {
		if msg := checkName(*req.Name); msg != "" {
			errs = append(errs, config.FieldError{Field: "name", Message: msg})
		}
	}
	var scopes []string
	if req.Scopes != nil {
		var scopeErrs []config.FieldError
		scopes, scopeErrs = checkScopes(*req.Scopes)
		errs = append(errs, scopeErrs...)
	}
	if len(errs) > 0 {
		return &Error{Status: http.StatusUnprocessableEntity, Title: "Invalid consumer", Errors: errs,
			Detail: fmt.Sprintf("%d error(s); nothing was changed", len(errs))}
	}

	return s.withConsumer(r, func(ctx context.Context, cs []config.Consumer, c config.Consumer) error {
		if req.Name != nil && *req.Name != c.Name {
			for _, o := range cs {
				if o.Name == *req.Name {
					return &Error{Status: http.StatusConflict, Title: "Consumer exists",
						Detail: fmt.Sprintf("a consumer named %q already exists (id %s)", o.Name, o.ID)}
				}
			}
			c.Name = *req.Name
		}
		if req.Scopes != nil {
			c.Scopes = scopes
		}
		if err := s.putConsumerLocked(ctx, c, "update"); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, redact(c))
		return nil
	})
}

// deleteCredential revokes one credential (key rotation: add the new key,
// move clients over, then delete the old one); the consumer stays.
func (s *API) deleteCredential(w http.ResponseWriter, r *http.Request) error {
	return s.withConsumer(r, func(ctx context.Context, _ []config.Consumer, c config.Consumer) error {
		id := r.PathValue("cred")
		i := slices.IndexFunc(c.Credentials, func(cr config.Credential) bool { return cr.ID == id })
		if i < 0 {
			return &Error{Status: http.StatusNotFound, Title: "Credential not found",
				Detail: fmt.Sprintf("consumer %s has no credential %q; see GET /admin/consumers/%s", c.Name, id, c.ID)}
		}
		c.Credentials = slices.Delete(slices.Clone(c.Credentials), i, i+1)
		if err := s.putConsumerLocked(ctx, c, "delete-credential"); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *API) deleteConsumer(w http.ResponseWriter, r *http.Request) error {
	return s.withConsumer(r, func(ctx context.Context, _ []config.Consumer, c config.Consumer) error {
		if err := s.store.DeleteConsumer(ctx, c.ID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return notFoundConsumer(r.PathValue("id"))
			}
			return fmt.Errorf("delete consumer %s: %w", c.ID, err)
		}
		s.log.Info("admin: consumer deleted", "consumer", c.Name, "id", c.ID)
		if err := s.reapplyLocked(ctx); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// withConsumer runs fn under the write lock with the stored consumers and
// the one the {id} path value names (by id or name); 404 when there is none.
// The request's cancellation does not reach the store: a change is made
// whole or not at all.
func (s *API) withConsumer(r *http.Request, fn func(ctx context.Context, cs []config.Consumer, c config.Consumer) error) error {
	ctx := context.WithoutCancel(r.Context())
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cs, err := s.consumers(ctx)
	if err != nil {
		return err
	}
	c, ok := find(cs, r.PathValue("id"))
	if !ok {
		return notFoundConsumer(r.PathValue("id"))
	}
	return fn(ctx, cs, c)
}

// putConsumerLocked stores c and makes this node's auth see it at once.
func (s *API) putConsumerLocked(ctx context.Context, c config.Consumer, what string) error {
	if err := s.store.PutConsumer(ctx, c); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return &Error{Status: http.StatusConflict, Title: "Credential in use",
				Detail: "another consumer already uses this key or username"}
		}
		return fmt.Errorf("store consumer %s: %w", c.Name, err)
	}
	s.log.Info("admin: consumer stored", "action", what, "consumer", c.Name, "id", c.ID, "credentials", len(c.Credentials))
	return s.reapplyLocked(ctx)
}

// reapplyLocked applies the live config with the stored consumers.
func (s *API) reapplyLocked(ctx context.Context) error {
	cfg, err := s.current(ctx)
	if err != nil {
		return err
	}
	if err := s.applyLocked(ctx, cfg); err != nil {
		s.log.Error("admin: CONSUMER CHANGE STORED BUT NOT APPLIED ON THIS NODE", "revision", cfg.Revision, "err", err)
		return &Error{Status: http.StatusInternalServerError, Title: "Stored but not applied",
			Detail: fmt.Sprintf("the consumer change was stored but this node could not apply it: %v", err)}
	}
	return nil
}

// credentialInput is one credential asked for, before hashing.
type credentialInput struct {
	field    string // where errors point
	typ      string
	key      string
	username string
	password string
}

func (in credentialInput) check() []config.FieldError {
	var errs []config.FieldError
	switch in.typ {
	case config.KeyAuth:
		if in.key != "" {
			if len(in.key) < minKeyLen || len(in.key) > maxSecretLen {
				errs = append(errs, config.FieldError{Field: "key", Message: fmt.Sprintf("must be %d to %d characters (omit it to have one generated)", minKeyLen, maxSecretLen)})
			} else if !printable(in.key) {
				errs = append(errs, config.FieldError{Field: "key", Message: "must be printable ASCII without spaces"})
			}
		}
	case config.BasicAuth:
		if in.username == "" {
			errs = append(errs, config.FieldError{Field: "username", Message: "required with a password"})
		} else if strings.Contains(in.username, ":") || !printable(in.username) || len(in.username) > maxNameLen {
			errs = append(errs, config.FieldError{Field: "username", Message: fmt.Sprintf("must be printable ASCII without spaces or ':', at most %d characters", maxNameLen)})
		}
		if in.password == "" {
			errs = append(errs, config.FieldError{Field: "password", Message: "required with a username"})
		} else if len(in.password) > 72 {
			// bcrypt reads at most 72 bytes: a longer password would
			// silently match on its prefix.
			errs = append(errs, config.FieldError{Field: "password", Message: "must be at most 72 bytes"})
		} else if !utf8.ValidString(in.password) {
			errs = append(errs, config.FieldError{Field: "password", Message: "must be valid UTF-8"})
		}
	}
	return errs
}

// build hashes the credential, generating a key when none was given, and
// refuses a key or username another credential already uses (lookups by
// key hash or username must find one consumer). It returns the plain key
// to show once.
func (in credentialInput) build(existing []config.Consumer) (config.Credential, string, error) {
	cred := config.Credential{ID: newID("cred_"), Type: in.typ}
	switch in.typ {
	case config.KeyAuth:
		key := in.key
		if key == "" {
			k, err := auth.GenerateKey()
			if err != nil {
				return cred, "", fmt.Errorf("generate key: %w", err)
			}
			key = k
		}
		cred.KeyHash = auth.HashKey(key)
		// The hint never shows more than a quarter of the key.
		cred.KeyHint = key[:min(keyHintLen, len(key)/4)]
		for _, c := range existing {
			for _, x := range c.Credentials {
				if x.KeyHash != "" && x.KeyHash == cred.KeyHash {
					return cred, "", &Error{Status: http.StatusConflict, Title: "Key in use",
						Detail: "another credential already uses this key; choose another or omit it to have one generated"}
				}
			}
		}
		return cred, key, nil
	case config.BasicAuth:
		for _, c := range existing {
			for _, x := range c.Credentials {
				if x.Type == config.BasicAuth && x.Username == in.username {
					return cred, "", &Error{Status: http.StatusConflict, Title: "Username in use",
						Detail: fmt.Sprintf("username %q already belongs to consumer %q", in.username, c.Name)}
				}
			}
		}
		h, err := auth.HashPassword(in.password)
		if err != nil {
			return cred, "", fmt.Errorf("hash password: %w", err)
		}
		cred.Username = in.username
		cred.PasswordHash = h
		return cred, "", nil
	}
	return cred, "", fmt.Errorf("unknown credential type %q", in.typ)
}

// checkName accepts names that are safe in an HTTP header value and a URL
// path segment.
func checkName(name string) string {
	switch {
	case name == "":
		return "required"
	case len(name) > maxNameLen:
		return fmt.Sprintf("must be at most %d characters", maxNameLen)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._@+-", c)) {
			return fmt.Sprintf("has %q: use letters, digits and . _ @ + -", c)
		}
	}
	return ""
}

// checkScopes sorts and de-duplicates scopes and refuses ones that could not
// travel in a space-separated header.
func checkScopes(in []string) ([]string, []config.FieldError) {
	var errs []config.FieldError
	seen := map[string]bool{}
	var out []string
	for i, sc := range in {
		if sc == "" || len(sc) > maxNameLen || !printable(sc) || strings.Contains(sc, ",") {
			errs = append(errs, config.FieldError{Field: fmt.Sprintf("scopes[%d]", i),
				Message: fmt.Sprintf("%q is not a scope: use 1 to %d printable characters without spaces or commas", sc, maxNameLen)})
			continue
		}
		if !seen[sc] {
			seen[sc] = true
			out = append(out, sc)
		}
	}
	sort.Strings(out)
	return out, errs
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
