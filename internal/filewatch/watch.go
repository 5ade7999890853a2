package filewatch

import (
	"os"
	"sync"
	"time"
)

// Watcher polls a set of files and calls a function when any of them
// changes. Polling, not inotify: it sees a file replaced by a rename (as
// editors, config management and Kubernetes secret mounts do it) and works
// on every filesystem.
type Watcher struct {
	files   []string
	changed func()
	seen    []stamp

	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// stamp is what tells that a file changed without reading it; a file that
// cannot be read has the zero stamp.
type stamp struct {
	modTime time.Time
	size    int64
}

// Start records the files' stamps now and checks them every interval from
// then on, calling changed (on the watcher's goroutine) whenever one
// differs from the last check, appearing or vanishing included. A file
// that changes while changed reads it is seen changed at the next check.
func Start(every time.Duration, changed func(), files ...string) *Watcher {
	w := &Watcher{
		files:   files,
		changed: changed,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	w.seen = w.stamps()
	go w.run(every)
	return w
}

// Close stops the watcher and waits for a call of changed in progress.
func (w *Watcher) Close() {
	w.stopOnce.Do(func() { close(w.stop) })
	<-w.done
}

func (w *Watcher) run(every time.Duration) {
	defer close(w.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		now := w.stamps()
		if equal(now, w.seen) {
			continue
		}
		w.seen = now
		w.changed()
	}
}

func (w *Watcher) stamps() []stamp {
	st := make([]stamp, len(w.files))
	for i, name := range w.files {
		if fi, err := os.Stat(name); err == nil {
			st[i] = stamp{fi.ModTime(), fi.Size()}
		}
	}
	return st
}

func equal(a, b []stamp) bool {
	for i := range a {
		if !a[i].modTime.Equal(b[i].modTime) || a[i].size != b[i].size {
			return false
		}
	}
	return true
}
