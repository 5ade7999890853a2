package backend

import (
	"errors"
	"net/http"
)

// IsNotFound reports whether err is the backend saying that the object or
// version asked for is not there. A missing bucket is not: that is a
// misconfigured location, not a missing object.
func IsNotFound(err error) bool {
	var be *Error
	if !errors.As(err, &be) {
		return false
	}
	switch be.Code {
	case "NoSuchKey", "NoSuchVersion", "NotFound":
		return true
	case "NoSuchBucket":
		return false
	}
	return be.Status == http.StatusNotFound
}
