package index

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// prefixRepair marks a key whose index entry missed a write the backend
// acknowledged: R<bucket>\x00<key>, with an empty value.
const prefixRepair = 'R'

func repairKey(bucket, key string) []byte {
	return append(append(nameKey(prefixRepair, bucket), 0), key...)
}

// RepairInterval is how often RunRepairs retries the keys marked for
// repair while the disk has room.
const RepairInterval = 2 * time.Second

// KeyRefresher reads every version of one key from the backend and makes
// the index agree; the mirror ingester implements it.
type KeyRefresher interface {
	RepairKey(ctx context.Context, bucket, key string) error
}

// RepairKey names a key marked for repair.
type RepairKey struct{ Bucket, Key string }

// repairs are the keys marked for repair, in memory; the persisted flag
// tells the ones also written to the index, which a restart finds again.
type repairs struct {
	mu      sync.Mutex
	pending map[RepairKey]bool // value: persisted
	done    atomic.Uint64
}

func newRepairs() *repairs { return &repairs{pending: map[RepairKey]bool{}} }

// MarkForRepair records that bucket/key's index entry may miss a write
// the backend acknowledged (the index write after it failed). The mark
// is kept in memory and, when the disk has room, in the index; RunRepairs
// refreshes the key from the backend.
func (d *DB) MarkForRepair(bucket, key string) {
	k := RepairKey{bucket, key}
	d.repairs.mu.Lock()
	persisted, ok := d.repairs.pending[k]
	if !ok {
		d.repairs.pending[k] = false
	}
	d.repairs.mu.Unlock()
	if !persisted {
		d.persistRepair(k)
	}
}

func (d *DB) persistRepair(k RepairKey) {
	err := d.update(func(txn *badger.Txn, _ *delta) error {
		return txn.Set(repairKey(k.Bucket, k.Key), nil)
	})
	if err != nil {
		return // in memory only, until a later try
	}
	d.repairs.mu.Lock()
	if _, ok := d.repairs.pending[k]; ok {
		d.repairs.pending[k] = true
	}
	d.repairs.mu.Unlock()
}

// Repairs returns the keys marked for repair and how many were repaired
// since the index was opened.
func (d *DB) Repairs() (pending []RepairKey, repaired uint64) {
	d.repairs.mu.Lock()
	defer d.repairs.mu.Unlock()
	for k := range d.repairs.pending {
		pending = append(pending, k)
	}
	return pending, d.repairs.done.Load()
}

// loadRepairs takes back the marks a previous run persisted.
func (d *DB) loadRepairs() error {
	return d.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixRepair}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			rest := it.Item().Key()[1:]
			i := bytes.IndexByte(rest, 0)
			if i < 0 {
				continue
			}
			k := RepairKey{string(rest[:i]), string(rest[i+1:])}
			d.repairs.pending[k] = true
		}
		return nil
	})
}

// repaired forgets a mark once its key agrees with the backend.
func (d *DB) repaired(k RepairKey) error {
	d.repairs.mu.Lock()
	persisted := d.repairs.pending[k]
	d.repairs.mu.Unlock()
	if persisted {
		err := d.update(func(txn *badger.Txn, _ *delta) error {
			return txn.Delete(repairKey(k.Bucket, k.Key))
		})
		if err != nil {
			return fmt.Errorf("clear the repair mark of %s/%s: %w", k.Bucket, k.Key, err)
		}
	}
	d.repairs.mu.Lock()
	delete(d.repairs.pending, k)
	d.repairs.mu.Unlock()
	d.repairs.done.Add(1)
	return nil
}

// StartRepairs refreshes the keys marked for repair from the backend
// through r, every interval while the disk has room, until ctx ends or
// the index closes (Close waits for it). Call it once.
func (d *DB) StartRepairs(ctx context.Context, r KeyRefresher, interval time.Duration) {
	ctx, d.stopRepairs = context.WithCancel(ctx)
	d.repairsDone = make(chan struct{})
	go d.runRepairs(ctx, r, interval)
}

func (d *DB) runRepairs(ctx context.Context, r KeyRefresher, interval time.Duration) {
	defer close(d.repairsDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.repairPending(ctx, r)
	}
}

// repairPending makes one round over the marked keys; it stops at the
// first refusal for space, which the next round retries.
func (d *DB) repairPending(ctx context.Context, r KeyRefresher) {
	pending, _ := d.Repairs()
	for _, k := range pending {
		if ctx.Err() != nil || d.CheckSpace() != nil {
			return
		}
		if err := r.RepairKey(ctx, k.Bucket, k.Key); err != nil {
			slog.Warn("index: repair a key from the backend; retried later", "bucket", k.Bucket, "key", k.Key, "err", err)
			d.MarkForRepair(k.Bucket, k.Key)
			continue
		}
		if err := d.repaired(k); err != nil {
			slog.Warn("index: repair", "err", err)
			continue
		}
		slog.Info("index: repaired a key from the backend after a failed index write", "bucket", k.Bucket, "key", k.Key)
	}
}
