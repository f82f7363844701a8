package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Dir keeps blobs as files in a local directory, fanned out by the key's
// first two characters so that no directory grows too large.
type Dir string

// path maps a key to its file. Keys are the store's own ids; anything that
// is not a plain id (a separator, a dot) is refused rather than joined, so
// no key can reach outside the directory.
func (d Dir) path(key string) (string, error) {
	if len(key) < 3 || strings.Trim(key, "0123456789abcdefABCDEF-") != "" {
		return "", fmt.Errorf("upload: bad key %q", key)
	}
	return filepath.Join(string(d), key[:2], key), nil
}

func (d Dir) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, contentType string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	// Write beside and rename, so a crash never leaves half a file under the key.
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, body); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

func (d Dir) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoBlob
	}
	return f, err
}

func (d Dir) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
