package gateway

import (
	"github.com/ringside/ringside/catalog"
)

// refuseWhenIndexFull refuses a write before it reaches the backend when
// the index could not record it. Every write handler calls it first.
func (g *Gateway) refuseWhenIndexFull() error { return catalog.IndexWritable(g.db) }

// indexFailed handles an index write that failed after the backend
// acknowledged the change: the change is stored, so the client is told
// it succeeded, and the key is marked for repair from the backend
// (index.DB.RunRepairs). It returns nil; err is logged.
func (g *Gateway) indexFailed(t target, key string, err error) error {
	g.db.MarkForRepair(t.bucket.Name, key)
	g.log.Warn("index write failed after the backend stored the change; the key is marked for repair",
		"bucket", t.bucket.Name, "key", key, "err", err)
	return nil
}
