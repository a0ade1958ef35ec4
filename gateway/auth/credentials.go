package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/gwctl/gwctl/gateway/config"
)

// KeyPrefix starts every generated API key, so that leaked keys are easy to
// recognise by secret scanners.
const KeyPrefix = "gw_"

// HashKey returns how an API key is stored: the hex SHA-256 of the key.
// API keys are long random strings, so a fast hash is enough (nothing to
// brute-force) and allows lookup by hash.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// GenerateKey returns a new API key: "gw_" and 32 random bytes in base64url
// without padding.
func GenerateKey() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("auth: generate key: %w", err)
	}
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// HashPassword returns the bcrypt hash of a basic-auth password (default
// cost). Passwords longer than 72 bytes are refused (bcrypt would ignore
// the rest).
func HashPassword(pw string) (string, error) {
	if pw == "" {
		return "", errors.New("auth: hash password: empty password")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(h), nil
}

// dummyHash is compared against when a basic-auth username is unknown, so
// that unknown users take as long as wrong passwords.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("gwctl-dummy-password"), bcrypt.DefaultCost)
	if err != nil {
		panic("auth: dummy bcrypt hash: " + err.Error())
	}
	return h
})

// consumer is what an identity needs from a consumer record.
type consumer struct {
	id, name string
	scopes   []string
}

type keyCred struct {
	c    *consumer
	hash [sha256.Size]byte
}

type userCred struct {
	c    *consumer
	user string
	hash []byte
}

// credentials indexes every consumer's credentials, shared by all schemes
// of one type.
type credentials struct {
	keys  map[[sha256.Size]byte]*keyCred
	users map[string]*userCred
}

func indexConsumers(consumers []config.Consumer) (*credentials, error) {
	cr := &credentials{
		keys:  make(map[[sha256.Size]byte]*keyCred),
		users: make(map[string]*userCred),
	}
	ids := make(map[string]bool, len(consumers))
	owner := make(map[string]string) // credential → consumer id, for messages
	for _, c := range consumers {
		if c.ID == "" {
			return nil, errors.New("auth: consumer without id")
		}
		if ids[c.ID] {
			return nil, fmt.Errorf("auth: consumer %q: defined twice", c.ID)
		}
		ids[c.ID] = true
		rec := &consumer{id: c.ID, name: c.Name, scopes: append([]string(nil), c.Scopes...)}
		for _, cred := range c.Credentials {
			switch cred.Type {
			case config.KeyAuth:
				sum, err := decodeKeyHash(cred.KeyHash)
				if err != nil {
					return nil, fmt.Errorf("auth: consumer %q: credential %q: %w", c.ID, cred.ID, err)
				}
				k := "key:" + string(sum[:])
				if other, dup := owner[k]; dup {
					return nil, fmt.Errorf("auth: consumer %q: credential %q: key already used by consumer %q", c.ID, cred.ID, other)
				}
				owner[k] = c.ID
				cr.keys[sum] = &keyCred{c: rec, hash: sum}
			case config.BasicAuth:
				if cred.Username == "" {
					return nil, fmt.Errorf("auth: consumer %q: credential %q: missing username", c.ID, cred.ID)
				}
				if _, err := bcrypt.Cost([]byte(cred.PasswordHash)); err != nil {
					return nil, fmt.Errorf("auth: consumer %q: credential %q: password hash: %w", c.ID, cred.ID, err)
				}
				k := "user:" + cred.Username
				if other, dup := owner[k]; dup {
					return nil, fmt.Errorf("auth: consumer %q: credential %q: username %q already used by consumer %q", c.ID, cred.ID, cred.Username, other)
				}
				owner[k] = c.ID
				cr.users[cred.Username] = &userCred{c: rec, user: cred.Username, hash: []byte(cred.PasswordHash)}
			default:
				return nil, fmt.Errorf("auth: consumer %q: credential %q: unknown type %q", c.ID, cred.ID, cred.Type)
			}
		}
	}
	return cr, nil
}

func decodeKeyHash(h string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	if len(h) != hex.EncodedLen(sha256.Size) {
		return sum, errors.New("key hash is not a hex SHA-256")
	}
	if _, err := hex.Decode(sum[:], []byte(h)); err != nil {
		return sum, errors.New("key hash is not a hex SHA-256")
	}
	return sum, nil
}
