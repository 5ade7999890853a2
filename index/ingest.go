package index

import (
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// GetIngestState returns a bucket's ingest progress (zero value if none).
func (d *DB) GetIngestState(bucket string) (IngestState, error) {
	var s IngestState
	err := d.view(func(txn *badger.Txn) error {
		_, err := getJSON(txn, ingestKey(bucket), &s)
		return err
	})
	if err != nil {
		return IngestState{}, fmt.Errorf("get ingest state of %s: %w", bucket, err)
	}
	return s, nil
}

// PutIngestState stores a bucket's ingest progress.
func (d *DB) PutIngestState(bucket string, s IngestState) error {
	err := d.update(func(txn *badger.Txn, _ *delta) error {
		return putJSON(txn, ingestKey(bucket), s)
	})
	if err != nil {
		return fmt.Errorf("put ingest state of %s: %w", bucket, err)
	}
	return nil
}
