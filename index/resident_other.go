//go:build !linux

package index

import "errors"

// Elsewhere than Linux the tables' pages are left to the kernel.

func mappedResident() (int64, error) { return 0, errors.ErrUnsupported }

func pageOutTables(string) error { return errors.ErrUnsupported }
