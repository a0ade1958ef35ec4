package config

import (
	"fmt"
	"time"
)

// This file holds the admin API's wire types: the gateway's admin server and
// publish/remote both use them, so the two cannot drift.
//
// Admin API (all under the admin listener, every call with
// "Authorization: Bearer <token>"; errors are application/problem+json):
//
//	GET    /admin/config                 Config; ETag: "<revision>"
//	GET    /admin/owners/{owner}         Owner section; ETag of the whole config
//	PUT    /admin/owners/{owner}         body Owner; If-Match required (428 without,
//	                                     412 stale); 422 ValidationProblem; 409 route
//	                                     claimed by another owner; 200 PublishResult
//	DELETE /admin/owners/{owner}         remove the section; If-Match as PUT
//	GET    /admin/revisions              []RevisionInfo, newest first
//	GET    /admin/revisions/{id}         Config of that revision
//	POST   /admin/rollback               RollbackRequest; If-Match; 200 PublishResult
//	GET    /admin/consumers              []Consumer (hashes never included)
//	POST   /admin/consumers              ConsumerRequest → 201 ConsumerCreated (key shown once)
//	GET    /admin/consumers/{id}         Consumer
//	PATCH  /admin/consumers/{id}         ConsumerUpdate → 200 Consumer
//	DELETE /admin/consumers/{id}         204
//	POST   /admin/consumers/{id}/credentials  CredentialRequest → 201 ConsumerCreated
//	DELETE /admin/consumers/{id}/credentials/{cred}  204
//	GET    /admin/status                 Status (node id, live revision per node)
//	GET    /admin/health                 {"status":"ok"}
//	GET    /admin/metrics                Prometheus text format

// PublishResult answers a successful PUT/DELETE/rollback.
type PublishResult struct {
	Revision string `json:"revision"`
	Previous string `json:"previous"`
	// Changed is false when the new content equals the live one (a no-op).
	Changed bool `json:"changed"`
}

// FieldError is one validation problem with the path of the offending field,
// e.g. owners[0].routes[3].path.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// ValidationProblem is the 422 body: RFC 9457 members plus every error.
type ValidationProblem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors"`
}

// Problem is an RFC 9457 problem document (any error from the gateway).
type Problem struct {
	Type     string `json:"type,omitempty"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// RequestID correlates with the access log.
	RequestID string `json:"requestId,omitempty"`
	// Errors is set on 422.
	Errors []FieldError `json:"errors,omitempty"`
}

// RevisionInfo describes one stored revision.
type RevisionInfo struct {
	Revision  string    `json:"revision"`
	Previous  string    `json:"previous,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	// Owner whose publish (or rollback) produced this revision.
	Owner  string `json:"owner,omitempty"`
	Action string `json:"action,omitempty"` // publish, delete, rollback
	Routes int    `json:"routes"`
}

// RollbackRequest makes a stored revision live again. With Owner set only
// that owner's section is taken from the old revision (what `gwctl
// rollback` does); without it the whole config is restored.
type RollbackRequest struct {
	Revision string `json:"revision"`
	Owner    string `json:"owner,omitempty"`
}

// Status is the answer of GET /admin/status.
type Status struct {
	Nodes []NodeStatus `json:"nodes"`
}

// NodeStatus is one gateway node's view.
type NodeStatus struct {
	ID        string    `json:"id"`
	Revision  string    `json:"revision"`
	StartedAt time.Time `json:"startedAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Consumer is an identity that can call routes, with its scopes.
type Consumer struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Scopes      []string     `json:"scopes,omitempty"`
	Credentials []Credential `json:"credentials,omitempty"`
	CreatedAt   time.Time    `json:"createdAt"`
}

// Credential belongs to a consumer. Secrets are stored hashed: API keys as
// SHA-256 (they are long random strings, looked up by hash), passwords with
// bcrypt. The admin API never returns the hash fields.
type Credential struct {
	ID   string `json:"id"`
	Type string `json:"type"` // key-auth or basic-auth
	// KeyHint is the first characters of an API key, to tell keys apart.
	KeyHint      string `json:"keyHint,omitempty"`
	KeyHash      string `json:"keyHash,omitempty"`
	Username     string `json:"username,omitempty"`
	PasswordHash string `json:"passwordHash,omitempty"`
}

// ConsumerRequest creates a consumer, optionally with a first credential.
type ConsumerRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes,omitempty"`
	// Key: "" with KeyAuth true generates one; a given key is used as is.
	KeyAuth bool   `json:"keyAuth,omitempty"`
	Key     Secret `json:"key,omitempty"`
	// Basic-auth credential.
	Username string `json:"username,omitempty"`
	Password Secret `json:"password,omitempty"`
}

// CredentialRequest adds a credential to an existing consumer.
type CredentialRequest struct {
	Type     string `json:"type"` // key-auth or basic-auth
	Key      Secret `json:"key,omitempty"`
	Username string `json:"username,omitempty"`
	Password Secret `json:"password,omitempty"`
}

// ConsumerUpdate changes a consumer in place (its id and credentials
// stay): a field left out is unchanged; "scopes": [] removes every scope.
type ConsumerUpdate struct {
	Name   *string   `json:"name,omitempty"`
	Scopes *[]string `json:"scopes,omitempty"`
}

// ConsumerCreated answers a create: the plain key appears here once.
type ConsumerCreated struct {
	Consumer Consumer `json:"consumer"`
	Key      string   `json:"key,omitempty"`
}
