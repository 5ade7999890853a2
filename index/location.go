package index

import (
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// PutLocation creates or replaces a location.
func (d *DB) PutLocation(l Location) error {
	defer d.catalogChanged()
	err := d.update(func(txn *badger.Txn, _ *delta) error {
		return putJSON(txn, locationKey(l.Name), l)
	})
	if err != nil {
		return fmt.Errorf("put location %s: %w", l.Name, err)
	}
	return nil
}

// CreateLocation creates a location; ErrExists if the name is taken.
func (d *DB) CreateLocation(l Location) error {
	defer d.catalogChanged()
	err := d.update(func(txn *badger.Txn, _ *delta) error {
		var old Location
		found, err := getJSON(txn, locationKey(l.Name), &old)
		if err != nil {
			return err
		}
		if found {
			return ErrExists
		}
		return putJSON(txn, locationKey(l.Name), l)
	})
	if err != nil {
		return fmt.Errorf("create location %s: %w", l.Name, err)
	}
	return nil
}

// GetLocation returns a location or ErrNotFound.
func (d *DB) GetLocation(name string) (Location, error) {
	var l Location
	err := d.view(func(txn *badger.Txn) error {
		found, err := getJSON(txn, locationKey(name), &l)
		if err == nil && !found {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return Location{}, fmt.Errorf("get location %s: %w", name, err)
	}
	return l, nil
}

// ListLocations returns every location sorted by name.
func (d *DB) ListLocations() ([]Location, error) {
	ls, err := listJSON[Location](d.db, prefixLocation)
	if err != nil {
		return nil, fmt.Errorf("list locations: %w", err)
	}
	return ls, nil
}

// DeleteLocation removes a location or returns ErrNotFound.
func (d *DB) DeleteLocation(name string) error {
	defer d.catalogChanged()
	err := d.update(func(txn *badger.Txn, _ *delta) error {
		var old Location
		found, err := getJSON(txn, locationKey(name), &old)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		return txn.Delete(locationKey(name))
	})
	if err != nil {
		return fmt.Errorf("delete location %s: %w", name, err)
	}
	return nil
}
