package admin_test

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gwctl/gwctl/gateway/config"
)

// TestReadsDuringPublishes: the live config is shared between the store,
// readers and the publish path (store.Shared); reads of it while owners
// are published, replaced and applied must not race (run with -race) and
// always see a complete revision.
func TestReadsDuringPublishes(t *testing.T) {
	e := newEnv(t)
	e.publish(e.ownerSection("b", publicRoute("b", "GET", "/b/{id}"), publicRoute("b", "POST", "/b")))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad atomic.Int64
	read := func(url string) {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				bad.Add(1)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 && res.StatusCode != 404 {
				bad.Add(1)
			}
		}
	}
	wg.Add(3)
	go read(e.admin.URL + "/admin/config")
	go read(e.admin.URL + "/admin/owners/b")
	go read(e.admin.URL + "/admin/revisions")
	for i := range 8 {
		routes := []config.Route{publicRoute("a", "GET", fmt.Sprintf("/a/%d/{id}", i))}
		for j := range i {
			routes = append(routes, publicRoute("a", "PUT", fmt.Sprintf("/a/%d", j)))
		}
		e.publish(e.ownerSection("a", routes...))
		assert.Equal(t, 200, e.proxyDo("GET", fmt.Sprintf("/a/%d/x", i)).status)
		assert.Equal(t, 200, e.proxyDo("GET", "/b/1").status)
	}
	close(stop)
	wg.Wait()
	assert.Zero(t, bad.Load(), "failed reads")
}
