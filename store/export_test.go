package store

// SyncedPaths is what the last group-commit round fdatasynced.
func SyncedPaths(s *Store) []string {
	s.wal.mu.Lock()
	defer s.wal.mu.Unlock()
	return append([]string(nil), s.wal.synced...)
}
