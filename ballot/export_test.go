package ballot

// SetAfterClaim installs a test hook that runs between the claim on the
// participation record and the filling of the slot; if it returns an error
// the cast stops there, as if the process had died.
func (s *Service) SetAfterClaim(f func() error) { s.afterClaim = f }
