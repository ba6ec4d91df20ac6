//go:build !linux

package app

import "context"

// trimWhenIdle is Linux's (MADV_PAGEOUT, see pageout_linux.go); elsewhere
// the runtime's scavenger alone gives memory back.
func (a *App) trimWhenIdle(ctx context.Context) {}
