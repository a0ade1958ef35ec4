//go:build windows

package store

import (
	"errors"
	"os"
	"syscall"
)

const isWindows = true

// errSharingViolation is ERROR_SHARING_VIOLATION, which package syscall
// does not name.
const errSharingViolation = syscall.Errno(32)

// lockDir opens the lock file without sharing: no other process can open
// it until this handle is closed, which the system does when the process
// dies.
func lockDir(path string) (*os.File, error) {
	p, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return nil, err
	}
	h, err := syscall.CreateFile(p, syscall.GENERIC_READ|syscall.GENERIC_WRITE, 0, nil,
		syscall.OPEN_ALWAYS, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		if errors.Is(err, errSharingViolation) {
			return nil, ErrLocked
		}
		return nil, err
	}
	return os.NewFile(uintptr(h), path), nil
}

func unlockDir(f *os.File) error { return f.Close() }

// syncDir is a no-op: Windows cannot fsync a directory, and MoveFileEx
// (os.Rename) is atomic on NTFS.
func syncDir(string) error { return nil }
