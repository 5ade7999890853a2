package admin

import (
	"errors"
	"net/http"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/mirror"
)

// mirrorRefusal turns the ingester's answer to a control or status call on
// bucket into a refusal that names the cause and what to do; any other
// error is returned as it is.
func mirrorRefusal(bucket string, err error) error {
	switch {
	case errors.Is(err, index.ErrNotFound):
		return &Error{Code: "NoSuchMirrorBucket", Status: http.StatusNotFound,
			Message: "Bucket " + bucket + " does not exist: `ringside mirror status` lists the mirror buckets."}
	case errors.Is(err, mirror.ErrNotMirror):
		return &Error{Code: "NotAMirrorBucket", Status: http.StatusConflict,
			Message: "Bucket " + bucket + " is a write-through bucket, not a mirror bucket: it has no mirroring to show or control (`ringside bucket resync " + bucket + "` rebuilds its index)."}
	case errors.Is(err, mirror.ErrPaused):
		return &Error{Code: "MirrorPaused", Status: http.StatusConflict,
			Message: "Mirroring of " + bucket + " is paused: resume it first with `ringside mirror resume " + bucket + "`."}
	case errors.Is(err, mirror.ErrStopped):
		return &Error{Code: "ServiceUnavailable", Status: http.StatusServiceUnavailable,
			Message: "Mirroring of " + bucket + " is not running (ringside is stopping): try again once it is back."}
	}
	return err
}
