package catalog

import (
	"errors"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// indexFullRetryAfter is the Retry-After, in seconds, of a change refused
// for a full index disk: space comes back when an operator frees some,
// so clients had better not retry at once.
const indexFullRetryAfter = 30

// IndexWritable refuses a change before it reaches the backend when the
// index could not record it: its disk is below the free-space reserve.
// Every write path (S3 writes, bucket and location changes) calls it first.
func IndexWritable(db *index.DB) error {
	if err := db.CheckSpace(); errors.Is(err, index.ErrNoSpace) {
		return s3err.Unavailable(indexFullRetryAfter,
			"The gateway's index disk is full: writes are refused until space is freed; reads are served.")
	}
	return nil
}
