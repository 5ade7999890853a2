package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tokenFileName is the admin token's file under the data dir.
const tokenFileName = "admin-token"

// tokenFile is where a gateway with this data dir keeps its admin token.
func tokenFile(dataDir string) string { return filepath.Join(dataDir, tokenFileName) }

// loadOrCreateToken returns the admin token stored under dataDir,
// generating it (mode 0600) on first start; created says it was generated.
// A token file readable by others is tightened to 0600 rather than
// trusted as it is.
func loadOrCreateToken(dataDir string) (token string, created bool, err error) {
	path := tokenFile(dataDir)
	token, err = readToken(dataDir)
	if err == nil {
		return token, false, tighten(path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, err
	}
	token, err = newToken()
	if err != nil {
		return "", false, err
	}
	// O_EXCL: two gateways started at once on one data dir must not
	// overwrite each other's token (the index lock stops the second one
	// just after).
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", false, fmt.Errorf("create the admin token file %s: %w", path, err)
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return "", false, fmt.Errorf("write the admin token file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return "", false, fmt.Errorf("write the admin token file %s: %w", path, err)
	}
	return token, true, nil
}

// readToken reads the admin token a gateway stored under dataDir.
func readToken(dataDir string) (string, error) {
	path := tokenFile(dataDir)
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the admin token file: %w", err)
	}
	token := strings.TrimSpace(string(raw))
	if token == "" {
		return "", fmt.Errorf("the admin token file %s is empty: remove it to have a new token generated", path)
	}
	return token, nil
}

func tighten(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("check the admin token file: %w", err)
	}
	if st.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("restrict the admin token file %s to mode 0600: %w", path, err)
	}
	return nil
}

// newToken makes 256 random bits, hex-encoded so that it pastes anywhere.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate the admin token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
