package store

// SetBroadText lowers the match count from which text searches scan members
// by id, so tests reach that path with a few members; call the returned
// function to restore it.
func SetBroadText(n int) (restore func()) {
	old := broadText
	broadText = n
	return func() { broadText = old }
}
