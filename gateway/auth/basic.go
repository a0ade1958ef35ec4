package auth

import (
	"errors"
	"net/http"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/gwctl/gwctl/gateway/config"
)

// basicAuth checks "Authorization: Basic" against the consumers' bcrypt
// password hashes.
type basicAuth struct {
	users map[string]*userCred
	chal  string
}

func newBasicAuth(s config.Scheme, creds *credentials) (*basicAuth, error) {
	realm := "gwctl"
	if s.Basic != nil && s.Basic.Realm != "" {
		realm = s.Basic.Realm
	}
	if !validHeaderValue(realm) {
		return nil, errors.New("basic-auth: realm has control characters")
	}
	return &basicAuth{
		users: creds.users,
		chal:  `Basic realm=` + quote(realm) + `, charset="UTF-8"`,
	}, nil
}

func (b *basicAuth) kind() string                     { return config.BasicAuth }
func (b *basicAuth) challenge(_ *http.Request) string { return b.chal }
func (b *basicAuth) strip(out *http.Request)          { out.Header.Del("Authorization") }

func (b *basicAuth) authenticate(r *http.Request) result {
	v := r.Header["Authorization"]
	if len(v) == 0 || !hasScheme(v[0], "Basic") {
		// Nothing for us (perhaps a Bearer token for another scheme).
		return result{state: stateMissing}
	}
	if len(v) > 1 {
		return result{state: stateInvalid, detail: "more than one Authorization header"}
	}
	user, pw, ok := r.BasicAuth()
	if !ok {
		return result{state: stateInvalid, detail: "malformed basic credentials"}
	}
	const bad = "invalid username or password"
	uc := b.users[user]
	if uc == nil {
		// Spend the same time as for a known user, so that response times
		// do not reveal which usernames exist.
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(pw))
		return result{state: stateInvalid, detail: bad}
	}
	if bcrypt.CompareHashAndPassword(uc.hash, []byte(pw)) != nil {
		return result{state: stateInvalid, detail: bad}
	}
	return result{state: stateOK, id: uc.c.id, name: uc.c.name, subject: uc.user, scopes: uc.c.scopes}
}

// hasScheme reports whether an Authorization value uses scheme (compared
// case-insensitively, RFC 9110 §11.1) followed by a space.
func hasScheme(v, scheme string) bool {
	return len(v) > len(scheme) && v[len(scheme)] == ' ' && strings.EqualFold(v[:len(scheme)], scheme)
}
