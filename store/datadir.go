package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// DataDir is a data directory locked for the exclusive use of this process.
type DataDir struct {
	Path string
	lock *os.File
}

// ErrDirInUse reports that another running instance holds the data directory.
var ErrDirInUse = errors.New("data directory is in use by another running instance")

// LockDataDir creates path if missing, checks it is writable and takes an
// exclusive lock on it. It fails with one clear sentence when the directory
// cannot be created or written, or when another live process holds it.
func LockDataDir(path string) (*DataDir, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("data directory %q: %w", path, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("data directory %s cannot be created: %w", abs, err)
	}
	probe, err := os.CreateTemp(abs, ".write-probe-*")
	if err != nil {
		return nil, fmt.Errorf("data directory %s is not writable: %w", abs, err)
	}
	probe.Close()
	os.Remove(probe.Name())

	f, err := os.OpenFile(filepath.Join(abs, "ratify.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: lock file: %w", abs, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(f.Name())
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid := strings.TrimSpace(string(holder))
			if pid != "" {
				return nil, fmt.Errorf("%w (%s, held by process %s)", ErrDirInUse, abs, pid)
			}
			return nil, fmt.Errorf("%w (%s)", ErrDirInUse, abs)
		}
		return nil, fmt.Errorf("data directory %s: lock: %w", abs, err)
	}
	// The lock is ours: whatever pid the file names is a dead instance's.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &DataDir{Path: abs, lock: f}, nil
}

// Join returns a path inside the data directory.
func (d *DataDir) Join(elem ...string) string {
	return filepath.Join(append([]string{d.Path}, elem...)...)
}

// Unlock releases the directory.
func (d *DataDir) Unlock() error {
	if d.lock == nil {
		return nil
	}
	err := d.lock.Close() // closing the descriptor releases the flock
	d.lock = nil
	return err
}
